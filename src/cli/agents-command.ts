import type { Agent, Json } from '../index.ts';
import { compact, jsonObjectOption, listOption, nonEmptyPatch, type OptionValues, stringOption } from './args.ts';
import { type CommandDefinition, pageQuery, showCommand } from './command.ts';
import { pageOptions } from './common-options.ts';
import { formatPage, formatRecord, formatTable, inlineJson, orDash, truncate } from './output.ts';

const agentOptions = {
  description: { type: 'string', valueName: '<text>', description: 'what it does' },
  model: { type: 'string', valueName: '<model>', description: "a model from the deployment's allowed models" },
  prompt: { type: 'string', valueName: '<text>', description: 'its system prompt' },
  kb: { type: 'string', valueName: '<ids>', description: 'comma-separated knowledge bases it reads (replaces them)' },
  settings: { type: 'string', valueName: '<json>', description: 'settings object for your runtime' },
  metadata: { type: 'string', valueName: '<json>', description: 'metadata object' },
} as const;

function agentFields(options: OptionValues) {
  return {
    description: stringOption(options, 'description'),
    model: stringOption(options, 'model'),
    systemPrompt: stringOption(options, 'prompt'),
    knowledgeBaseIds: listOption(options, 'kb'),
    settings: jsonObjectOption<Record<string, Json>>(options, 'settings'),
    metadata: jsonObjectOption<Record<string, Json>>(options, 'metadata'),
  };
}

/** `strata agents ...`: the tenant's registry of agents. */
export const agentsCommands: CommandDefinition[] = [
  {
    path: ['agents', 'create'],
    arguments: [{ name: 'name', required: true }],
    summary: 'register an agent',
    options: { ...agentOptions, id: { type: 'string', valueName: '<id>', description: 'its id (default a new UUID)' } },
    async run({ arguments: [name = ''], options, open }) {
      const agent = await (await open()).agents.create(compact({ id: stringOption(options, 'id'), name, ...agentFields(options) }));
      return { result: agent, text: formatAgent(agent) };
    },
  },
  showCommand(['agents', 'get'], 'show one agent', (strata, id) => strata.agents.get(id), formatAgent),
  {
    path: ['agents', 'list'],
    arguments: [],
    summary: "the tenant's agents, by id",
    options: pageOptions,
    async run({ options, open }) {
      const page = await (await open()).agents.list(pageQuery(options));
      const table = formatTable(
        ['ID', 'NAME', 'MODEL', 'KNOWLEDGE BASES'],
        page.items.map((agent) => [agent.id, truncate(agent.name, 30), orDash(agent.model), String(agent.knowledgeBaseIds.length)]),
      );
      return { result: page, text: formatPage('agents', table, page.items.length, page.nextCursor) };
    },
  },
  {
    path: ['agents', 'update'],
    arguments: [{ name: 'id', required: true }],
    summary: 'change an agent',
    options: { ...agentOptions, name: { type: 'string', valueName: '<name>', description: 'a new name' } },
    async run({ arguments: [id = ''], options, open }) {
      const patch = nonEmptyPatch(compact({ name: stringOption(options, 'name'), ...agentFields(options) }), 'agents update', [
        'name',
        ...Object.keys(agentOptions),
      ]);
      const agent = await (await open()).agents.update(id, patch);
      return { result: agent, text: formatAgent(agent) };
    },
  },
  {
    path: ['agents', 'delete'],
    arguments: [{ name: 'id', required: true }],
    summary: 'remove an agent from the registry',
    options: {},
    async run({ arguments: [id = ''], open }) {
      const report = await (await open()).agents.delete(id);
      return { result: report, text: `deleted agent ${report.id}` };
    },
  },
];

function formatAgent(agent: Agent): string {
  return formatRecord([
    ['id', agent.id],
    ['tenant', agent.tenantId],
    ['name', agent.name],
    ['description', orDash(agent.description)],
    ['model', orDash(agent.model)],
    ['system prompt', orDash(agent.systemPrompt === null ? null : truncate(agent.systemPrompt, 60))],
    ['knowledge bases', agent.knowledgeBaseIds.join(', ') || '-'],
    ['settings', inlineJson(agent.settings)],
    ['metadata', inlineJson(agent.metadata)],
    ['created', agent.createdAt],
  ]);
}

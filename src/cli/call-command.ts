import { UsageError } from './args.ts';
import type { CommandDefinition } from './command.ts';
import { formatJson, formatTable } from './output.ts';

/** The operations `strata call` can run: the JSON API's. Loaded on use: the registry pulls in every feature. */
async function callable() {
  return (await import('../api/registry.ts')).httpOperations;
}

/** `strata operations` and `strata call`: every declared operation, from the registry, with no command of its own needed. */
export const callCommands: CommandDefinition[] = [
  {
    path: ['operations'],
    arguments: [],
    summary: 'list every operation `strata call` runs, with its HTTP route',
    options: {},
    async run() {
      const listed = await callable();
      const rows = listed.map((operation) => [operation.name, `${operation.method} ${operation.path}`, operation.summary]);
      return {
        result: listed.map(({ name, summary, method, path }) => ({ name, summary, method, path })),
        text: formatTable(['OPERATION', 'ROUTE', 'SUMMARY'], rows),
      };
    },
  },
  {
    path: ['call'],
    arguments: [
      { name: 'operation', required: true },
      { name: 'input', required: false },
    ],
    summary:
      'run any operation by name with a JSON input object (path parameters and body or query fields together); prints the result as JSON',
    options: {},
    async run({ arguments: [name = '', inputText], open }) {
      const { declaredOperation, invokeOperation } = await import('../api/call-operation.ts');
      const operation = declaredOperation(name);
      if (!(await callable()).some((candidate) => candidate.name === operation.name))
        throw new UsageError(`${name} has a command or method of its own; 'strata operations' lists what call runs`);
      const input = parseInput(inputText);
      const result = await invokeOperation(await open(), operation, input);
      return { result, text: formatJson(result) };
    },
  },
];

function parseInput(text: string | undefined): Record<string, unknown> {
  if (text === undefined) return {};
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    throw new UsageError('input: must be a JSON object, e.g. \'{"content":"Prefers email"}\'');
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw new UsageError('input: must be a JSON object');
  return value as Record<string, unknown>;
}

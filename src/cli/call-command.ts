import { UsageError } from './args.ts';
import type { CommandDefinition } from './command.ts';
import { formatJson, formatTable } from './output.ts';

/** The operations `strata call` can run: those with arguments declared (library-only plumbing cannot). Loaded on use: the registry pulls in every feature. */
async function callable() {
  const { operations } = await import('../api/registry.ts');
  return operations.filter((operation) => operation.http !== undefined && operation.http.stream !== true);
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
      const rows = listed.map((operation) => [operation.name, `${operation.http?.method} ${operation.http?.path}`, operation.summary]);
      return {
        result: listed.map(({ name, summary, http }) => ({ name, summary, method: http?.method, path: http?.path })),
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
      if (!(await callable()).includes(operation))
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

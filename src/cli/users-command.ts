import type { Json, User } from '../index.ts';
import { compact, jsonObjectOption, nonEmptyPatch, stringOption } from './args.ts';
import { type CommandDefinition, pageQuery, showCommand } from './command.ts';
import { pageOptions } from './common-options.ts';
import { formatPage, formatRecord, formatTable, inlineJson, shortTime } from './output.ts';

// Here --role is the user's role; the caller is the tenant's admin (--tenant) unless --user says otherwise.
const userOptions = {
  role: { type: 'string', valueName: 'admin|member|reader', description: "the user's role (default member)" },
  metadata: { type: 'string', valueName: '<json>', description: 'metadata object' },
} as const;

/** `strata users ...`: users inside the tenant named by --tenant. */
export const usersCommands: CommandDefinition[] = [
  {
    path: ['users', 'create'],
    arguments: [{ name: 'id', required: true }],
    summary: 'create a user in the tenant',
    options: userOptions,
    async run({ arguments: [id = ''], options, open }) {
      const input = compact({
        id,
        role: stringOption(options, 'role') as User['role'] | undefined,
        metadata: jsonObjectOption<Record<string, Json>>(options, 'metadata'),
      });
      const user = await (await open()).users.create(input);
      return { result: user, text: formatUser(user) };
    },
  },
  showCommand(['users', 'get'], 'show one user', (strata, id) => strata.users.get(id), formatUser),
  {
    path: ['users', 'list'],
    arguments: [],
    summary: "list the tenant's users",
    options: pageOptions,
    async run({ options, open }) {
      const query = pageQuery(options);
      const page = await (await open()).users.list(query);
      const table = formatTable(
        ['ID', 'ROLE', 'CREATED'],
        page.items.map((user) => [user.id, user.role, shortTime(user.createdAt)]),
      );
      return { result: page, text: formatPage('users', table, page.items.length, page.nextCursor) };
    },
  },
  {
    path: ['users', 'update'],
    arguments: [{ name: 'id', required: true }],
    summary: "change a user's role or metadata",
    options: userOptions,
    async run({ arguments: [id = ''], options, open }) {
      const patch = nonEmptyPatch(
        compact({
          role: stringOption(options, 'role') as User['role'] | undefined,
          metadata: jsonObjectOption<Record<string, Json>>(options, 'metadata'),
        }),
        'users update',
        ['role', 'metadata'],
      );
      const user = await (await open()).users.update(id, patch);
      return { result: user, text: formatUser(user) };
    },
  },
  {
    path: ['users', 'delete'],
    arguments: [{ name: 'id', required: true }],
    summary: 'remove a user and erase all of its memories',
    options: {},
    async run({ arguments: [id = ''], open }) {
      const report = await (await open()).users.delete(id);
      return {
        result: report,
        text: `deleted user ${report.userId}: ${report.memories} memories, ${report.history} history versions erased`,
      };
    },
  },
];

function formatUser(user: User): string {
  return formatRecord([
    ['id', user.id],
    ['tenant', user.tenantId],
    ['role', user.role],
    ['metadata', inlineJson(user.metadata)],
    ['created', user.createdAt],
  ]);
}

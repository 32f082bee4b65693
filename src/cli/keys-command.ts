import { type ApiKeyKind, apiKeyKinds, mintApiKey } from '../core/api-key.ts';
import type { ApiKey, CreatedApiKey, Role } from '../index.ts';
import { compact, integerOption, stringOption, UsageError } from './args.ts';
import { type CommandDefinition, showCommand } from './command.ts';
import { pageOptions } from './common-options.ts';
import { formatPage, formatRecord, formatTable, orDash, shortTime } from './output.ts';

// On `keys create` these options describe the new key; the caller is the operator, or the --api-key in use.
const keyOptions = {
  tenant: { type: 'string', valueName: '<id>', description: 'the tenant the key is for' },
  user: { type: 'string', valueName: '<id>', description: 'bind the key to this user of the tenant' },
  role: { type: 'string', valueName: '<role>', description: 'platform, client_admin, or admin|member|reader (default member)' },
  client: { type: 'string', valueName: '<id>', description: 'the client of a client_admin key' },
  name: { type: 'string', valueName: '<text>', description: 'a label to recognise the key by' },
  ttl: { type: 'string', valueName: '<seconds>', description: 'expire after this many seconds' },
  'expires-at': { type: 'string', valueName: '<iso time>', description: 'expire at this time' },
} as const;

/** `strata keys ...`: API keys for the HTTP service. */
export const keysCommands: CommandDefinition[] = [
  {
    path: ['keys', 'create'],
    arguments: [],
    summary: 'create an API key; its secret is printed once',
    options: keyOptions,
    async run({ options, open }) {
      const input = compact({
        tenantId: stringOption(options, 'tenant'),
        userId: stringOption(options, 'user'),
        role: stringOption(options, 'role') as Role | undefined,
        clientId: stringOption(options, 'client'),
        name: stringOption(options, 'name'),
        ttlSeconds: integerOption(options, 'ttl'),
        expiresAt: stringOption(options, 'expires-at'),
      });
      const created = await (await open()).keys.create(input);
      return { result: created, text: formatCreated(created) };
    },
  },
  {
    path: ['keys', 'list'],
    arguments: [],
    summary: "list a tenant's keys (--tenant), or the operator and client admin keys",
    options: { ...pageOptions, tenant: keyOptions.tenant },
    async run({ options, open }) {
      const query = compact({
        tenantId: stringOption(options, 'tenant'),
        limit: integerOption(options, 'limit'),
        cursor: stringOption(options, 'cursor'),
      });
      const page = await (await open()).keys.list(query);
      const table = formatTable(
        ['ID', 'PREFIX', 'KIND', 'ROLE', 'TENANT', 'USER', 'NAME', 'EXPIRES', 'REVOKED'],
        page.items.map((key) => [
          key.id,
          key.prefix,
          key.kind,
          key.role,
          orDash(key.tenantId),
          orDash(key.userId),
          orDash(key.name),
          shortTime(key.expiresAt),
          shortTime(key.revokedAt),
        ]),
      );
      return { result: page, text: formatPage('keys', table, page.items.length, page.nextCursor) };
    },
  },
  showCommand(['keys', 'get'], 'show one API key (never its secret)', (strata, id) => strata.keys.get(id), formatKey),
  {
    path: ['keys', 'revoke'],
    arguments: [{ name: 'id', required: true }],
    summary: 'revoke an API key; its next request fails',
    options: {},
    async run({ arguments: [id = ''], open }) {
      const key = await (await open()).keys.revoke(id);
      return { result: key, text: `revoked ${key.prefix}… (${key.id})` };
    },
  },
  {
    path: ['keys', 'rotate'],
    arguments: [{ name: 'id', required: true }],
    summary: 'issue a replacement key; the old one keeps working for --overlap seconds',
    options: { overlap: { type: 'string', valueName: '<seconds>', description: 'how long the old key keeps working (default 3600)' } },
    async run({ arguments: [id = ''], options, open }) {
      const created = await (await open()).keys.rotate(id, compact({ overlapSeconds: integerOption(options, 'overlap') }));
      return { result: created, text: formatCreated(created) };
    },
  },
  {
    path: ['keys', 'generate'],
    arguments: [],
    summary: 'print a new well-formed key without storing it (e.g. for STRATA_ADMIN_KEY)',
    options: { kind: { type: 'string', valueName: '<kind>', description: `${apiKeyKinds.join(', ')} (default platform)` } },
    async run({ options }) {
      const kind = stringOption(options, 'kind') ?? 'platform';
      if (!(apiKeyKinds as readonly string[]).includes(kind)) throw new UsageError(`--kind: must be one of ${apiKeyKinds.join(', ')}`);
      const { secret } = mintApiKey(kind as ApiKeyKind);
      return { result: { kind, secret }, text: secret };
    },
  },
];

function formatKey(key: ApiKey): string {
  return formatRecord([
    ['id', key.id],
    ['prefix', key.prefix],
    ['kind', key.kind],
    ['role', key.role],
    ['client', orDash(key.clientId)],
    ['tenant', orDash(key.tenantId)],
    ['user', orDash(key.userId)],
    ['name', orDash(key.name)],
    ['created', key.createdAt],
    ['expires', orDash(key.expiresAt)],
    ['revoked', orDash(key.revokedAt)],
  ]);
}

function formatCreated(created: CreatedApiKey): string {
  return `${formatKey(created.key)}\n\nsecret (shown once, stored only as a hash):\n\n    ${created.secret}`;
}

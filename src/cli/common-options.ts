import type { OptionSpecs } from './args.ts';

/** Paging options shared by every listing. */
export const pageOptions = {
  limit: { type: 'string', valueName: '<n>', description: 'items per page' },
  cursor: { type: 'string', valueName: '<cursor>', description: 'continue from a previous page' },
} as const satisfies OptionSpecs;

/** The caller context (`strata.as(...)`); no caller option means the deployment operator. */
export const callerOptions = {
  tenant: { type: 'string', valueName: '<id>', description: 'act inside this tenant (customer)' },
  user: { type: 'string', valueName: '<id>', description: 'act as this user of the tenant' },
  client: { type: 'string', valueName: '<id>', description: 'the client application of the caller' },
  role: { type: 'string', valueName: '<role>', description: 'platform, client_admin, admin, member or reader' },
} as const satisfies OptionSpecs;

/** Options every command accepts. */
export const globalOptions = {
  'data-dir': { type: 'string', valueName: '<dir>', description: 'PGlite data directory (default STRATA_DATA_DIR, else ./.strata)' },
  'database-url': { type: 'string', valueName: '<url>', description: 'PostgreSQL server instead of PGlite (default DATABASE_URL)' },
  url: { type: 'string', valueName: '<url>', description: 'run against a Strata service (default STRATA_URL)' },
  'api-key': { type: 'string', valueName: '<key>', description: 'API key for --url (default STRATA_API_KEY)' },
  ...callerOptions,
  json: { type: 'boolean', description: 'print the result as one JSON document' },
  help: { type: 'boolean', short: 'h', description: 'show help' },
  version: { type: 'boolean', description: 'print the version' },
} as const satisfies OptionSpecs;

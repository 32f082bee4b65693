import { createStrataClient } from '../client/create-client.ts';
import type { Role } from '../core/scope.ts';
import type { Strata } from '../create-strata.ts';
import { optionsFromEnvironment } from '../env-options.ts';
import type { CallerContext } from '../kernel/caller.ts';
import type { StrataOptions } from '../options.ts';
import { type OptionSpecs, type OptionValues, stringOption, UsageError } from './args.ts';
import type { StrataHandle } from './command.ts';
import type { callerOptions } from './common-options.ts';
import type { CliIo } from './io.ts';

/**
 * Store options from the environment, overridden by `--data-dir` / `--database-url`. An
 * explicit `--data-dir` means PGlite even when DATABASE_URL is set in the environment.
 */
export function storeOptions(options: OptionValues, env: CliIo['env']): StrataOptions {
  const dataDir = stringOption(options, 'data-dir');
  const databaseUrl = stringOption(options, 'database-url');
  if (dataDir !== undefined && databaseUrl !== undefined) throw new UsageError('--data-dir and --database-url cannot be used together');
  if (databaseUrl !== undefined && !/^postgres(ql)?:\/\//.test(databaseUrl)) {
    throw new UsageError('--database-url: must start with postgres:// or postgresql://');
  }
  const fromEnvironment = optionsFromEnvironment({ ...env });
  if (dataDir !== undefined) {
    const { databaseUrl: _ignored, ...rest } = fromEnvironment;
    return { ...rest, dataDir };
  }
  return databaseUrl === undefined ? fromEnvironment : { ...fromEnvironment, databaseUrl };
}

/**
 * The caller the global options name. Options a command redefines (`--client` on `tenants
 * create`, `--role` on `users create`) describe the input there, not the caller.
 */
export function callerContext(options: OptionValues, commandOptions: OptionSpecs): CallerContext {
  const given = (name: keyof typeof callerOptions) => (name in commandOptions ? undefined : stringOption(options, name));
  const context: CallerContext = {};
  const tenantId = given('tenant');
  const userId = given('user');
  const clientId = given('client');
  const role = given('role');
  if (tenantId !== undefined) context.tenantId = tenantId;
  if (userId !== undefined) context.userId = userId;
  if (clientId !== undefined) context.clientId = clientId;
  // The library checks the role against its list and names the field.
  if (role !== undefined) context.role = role as Role;
  return context;
}

/** An opened store (absent for a remote service) and the handle bound to the caller; close the store, not the handle. */
export interface OpenedStore {
  store?: Strata;
  caller: StrataHandle;
}

/** A Strata service the CLI sends its commands to, with the key it uses. */
export interface RemoteService {
  baseUrl: string;
  apiKey: string;
  /** Set when it is the `strata serve` holding the local data directory: its process id. */
  servedBy?: number;
}

/** The remote service the options or environment name (`--url` / STRATA_URL), with its key. */
export function remoteService(options: OptionValues, env: CliIo['env']): RemoteService | undefined {
  const baseUrl = stringOption(options, 'url') ?? env.STRATA_URL;
  const apiKey = stringOption(options, 'api-key') ?? env.STRATA_API_KEY;
  if (baseUrl === undefined || baseUrl === '') {
    if (stringOption(options, 'api-key') !== undefined) throw new UsageError('--api-key needs --url (or STRATA_URL)');
    return undefined;
  }
  if (!/^https?:\/\//.test(baseUrl)) throw new UsageError('--url: must start with http:// or https://');
  if (stringOption(options, 'data-dir') !== undefined || stringOption(options, 'database-url') !== undefined) {
    throw new UsageError('--url cannot be combined with --data-dir or --database-url');
  }
  if (apiKey === undefined || apiKey === '') throw new UsageError('--url needs an API key: --api-key or STRATA_API_KEY');
  return { baseUrl, apiKey };
}

/** A client of the remote service, bound to the caller the options name. */
export function openRemote(service: RemoteService, context: CallerContext): OpenedStore {
  const client = createStrataClient({ baseUrl: service.baseUrl, apiKey: service.apiKey });
  return { caller: Object.keys(context).length === 0 ? client : client.as(context) };
}

/** Opens the store and binds the caller, closing the store again if binding fails. */
export async function openStore(options: StrataOptions, context: CallerContext): Promise<OpenedStore> {
  // Loaded only here: a command sent to a service never pays for the embedded database's modules.
  const { createStrata } = await import('../create-strata.ts');
  const store = await createStrata(options);
  try {
    return { store, caller: Object.keys(context).length === 0 ? store : store.as(context) };
  } catch (error) {
    await store.close();
    throw error;
  }
}

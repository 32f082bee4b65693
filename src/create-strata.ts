import { features } from './api/registry.ts';
import { StrataError } from './core/errors.ts';
import { createUuidV7Generator } from './core/ids.ts';
import { planPresets } from './core/plans.ts';
import type { Database } from './db/database.ts';
import { toStrataError } from './db/database-errors.ts';
import { assertRowLevelSecurity, migrate } from './db/migrate.ts';
import { openPgliteDatabase } from './db/pglite-database.ts';
import { openPostgresDatabase } from './db/postgres-database.ts';
import { tenantTablesChildrenFirst, userOwnedTables } from './db/tenant-tables.ts';
import { type CallerContext, createContextStore, parseCallerContext } from './kernel/caller.ts';
import { resolveDeploymentModels } from './kernel/deployment-models.ts';
import { checkEmbeddingModel } from './kernel/embedding-model.ts';
import type { Engine } from './kernel/engine.ts';
import type { FeatureSetupOptions } from './kernel/feature-module.ts';
import { createOperationStore, governApi, meteredEmbedder } from './kernel/govern.ts';
import { defaultPriceTable, parsePriceTable } from './kernel/prices.ts';
import { createRateLimiter } from './kernel/rate-limiter.ts';
import { createSecretBox, parseMasterKey } from './kernel/secret-box.ts';
import { createHashEmbedder } from './models/hash-embedder.ts';
import { embeddedDirectory, type StrataOptions } from './options.ts';
import { createTelemetry } from './telemetry/telemetry.ts';
import type { Telemetry } from './telemetry/types.ts';

type Feature = (typeof features)[number];
type ApiOf<F> = F extends { create(...args: never[]): infer Api } ? Api : never;
type GroupOf<F> = F extends { operations: { group: infer Group extends string } } ? Group : never;
/** Each feature's methods under its group: `memories`, `tenants`, `exports`, ... */
type FeatureGroups = { [F in Feature as GroupOf<F> extends '' ? never : GroupOf<F>]: ApiOf<F> };
/** The methods of the features without a group: `search`, `context`. */
type RootMethods = ApiOf<Extract<Feature, { operations: { group: '' } }>>;

/**
 * One Strata store: every feature's methods (`memories`, `tenants`, `users`, `keys`, `exports`,
 * `webhooks`, `usage`, `audit`, `stats`, `maintenance`, and `search`/`context` at the root), built from
 * the operation registry. The same operations exist over HTTP and in the client SDK. Calls act
 * for the caller bound with `as()`, else the one set by `withTenant()`, else the operator (or,
 * in single-tenant mode, the default tenant).
 */
export interface Strata extends FeatureGroups, RootMethods {
  /** A handle whose every call acts for `context`. */
  as(context: CallerContext): Strata;
  /** Runs `work` with `context` as the caller of every call inside it, across awaits. */
  withTenant<T>(context: CallerContext, work: () => Promise<T>): Promise<T>;
  /** Which back end and embedding model this store uses. */
  readonly info: { backend: Database['kind']; location: string; embeddingModel: string; dimensions: number };
  /** The spans and metrics of every call (the server's /metrics reads them). */
  readonly telemetry: Telemetry;
  /** Resolves when the database answers a query; `unavailable` otherwise. */
  ping(): Promise<void>;
  /** Waits for background index builds, then closes the database. */
  close(): Promise<void>;
}

/**
 * Opens a store: PGlite in `dataDir` by default, or the PostgreSQL server at `databaseUrl`.
 * Applies migrations, refuses to run as a role that could bypass row-level security, and
 * refuses a different embedding model than the one stored rows were embedded with.
 *
 * @example
 * const strata = await createStrata({ dataDir: './.strata' });
 * await strata.tenants.create({ id: 'acme' });
 * const acme = strata.as({ tenantId: 'acme', userId: 'john' });
 * await acme.memories.create({ content: 'Prefers window seats' });
 * const { hits } = await acme.search({ query: 'seating preference' });
 */
export async function createStrata(options: StrataOptions = {}): Promise<Strata> {
  const databaseRole = options.databaseRole ?? 'strata_app';
  const statementTimeoutMs = options.statementTimeoutMs ?? 30_000;
  const database = await openDatabase(options, databaseRole, statementTimeoutMs);
  try {
    const { llm, models } = resolveDeploymentModels(options.llm, options.models);
    const masterKey = options.masterKey === undefined ? undefined : parseMasterKey(options.masterKey, 'masterKey');
    // One master key today, version 1; rotation (issue 17) adds versions beside it.
    const secretBox = masterKey === undefined ? undefined : createSecretBox([{ version: 1, key: masterKey }]);
    await migrate(database, databaseRole);
    await assertRowLevelSecurity(database);
    const provider = options.embedder ?? createHashEmbedder();
    await checkEmbeddingModel(database, provider, options.allowModelChange === true);
    const now = options.now ?? (() => new Date());
    const operations = createOperationStore();
    const tenantTables = await database.asOwner(tenantTablesChildrenFirst);
    const userTables = new Set(await database.asOwner(userOwnedTables));
    const engine: Engine = {
      database,
      embedder: meteredEmbedder(provider, operations),
      defaults: {
        multitenancy: options.multitenancy ?? true,
        defaultTenant: options.defaultTenant ?? 'default',
        defaultClient: options.defaultClient ?? 'default',
      },
      contexts: createContextStore(),
      now,
      generateId: options.generateId ?? createUuidV7Generator(() => now().getTime()),
      vectorIndexThreshold: options.vectorIndexThreshold ?? 5_000,
      autoIndex: options.autoIndex ?? true,
      tenantTables,
      userTables: tenantTables.filter((table) => userTables.has(table)),
      tenantClients: new Map(),
      indexBuilds: new Map(),
      onClose: [],
      operations,
      telemetry: options.telemetry ?? createTelemetry(),
      ownsTelemetry: options.telemetry === undefined,
      limiter: createRateLimiter(),
      plans: options.plans ?? planPresets,
      defaultPlan: options.defaultPlan ?? 'custom',
      tenantLimits: new Map(),
      prices: options.prices === undefined ? defaultPriceTable : parsePriceTable(options.prices),
      llm,
      models,
      secretBox,
    };
    const states: FeatureStates = new Map(features.map((feature) => [feature, feature.setup?.(engine, options as FeatureSetupOptions)]));
    const strata = bind(engine, states, undefined, describeLocation(options));
    if (!engine.defaults.multitenancy) await ensureDefaultTenant(strata, engine);
    return strata;
  } catch (error) {
    await database.close();
    throw toStrataError(error);
  }
}

async function openDatabase(options: StrataOptions, appRole: string, statementTimeoutMs: number): Promise<Database> {
  if (options.database !== undefined) return options.database;
  try {
    if (options.databaseUrl !== undefined) {
      return await openPostgresDatabase({
        connectionString: options.databaseUrl,
        appRole,
        statementTimeoutMs,
        maxConnections: options.poolSize ?? 10,
      });
    }
    const dataDir = embeddedDirectory(options);
    return await openPgliteDatabase({
      ...(dataDir === undefined ? {} : { dataDir }),
      ...(options.loadDataDir === undefined ? {} : { loadDataDir: options.loadDataDir }),
      ...(options.pgliteSharedBuffersMb === undefined ? {} : { sharedBuffersMb: options.pgliteSharedBuffersMb }),
      appRole,
      statementTimeoutMs,
    });
  } catch (error) {
    if (error instanceof StrataError) throw error;
    throw new StrataError('unavailable', `cannot open the database: ${error instanceof Error ? error.message : String(error)}`, {
      cause: error,
    });
  }
}

async function ensureDefaultTenant(strata: Strata, engine: Engine): Promise<void> {
  const operator = strata.as({ role: 'platform' });
  try {
    await operator.tenants.create({ id: engine.defaults.defaultTenant, clientId: engine.defaults.defaultClient });
  } catch (error) {
    if (!(error instanceof StrataError && error.code === 'conflict')) throw error;
  }
}

/** Where the data lives, for people: a directory, `memory`, or a server URL without its password. */
function describeLocation(options: StrataOptions): string {
  if (options.database !== undefined) return 'caller-provided database';
  if (options.databaseUrl !== undefined) {
    const url = new URL(options.databaseUrl);
    url.password = '';
    return url.toString();
  }
  return embeddedDirectory(options) ?? 'memory';
}

/** What each feature's setup returned, handed to its `create` on every bind. */
type FeatureStates = ReadonlyMap<Feature, unknown>;

function bind(engine: Engine, states: FeatureStates, bound: CallerContext | undefined, location: string): Strata {
  const methods: Record<string, unknown> = {};
  for (const feature of features) {
    const create = feature.create as (engine: Engine, bound: CallerContext | undefined, state: unknown) => object;
    const api = governApi(engine, bound, feature.operations, create(engine, bound, states.get(feature)));
    if (feature.operations.group === '') Object.assign(methods, api);
    else methods[feature.operations.group] = api;
  }
  const handle: Omit<Strata, keyof FeatureGroups | keyof RootMethods> = {
    as: (context) => bind(engine, states, parseCallerContext(context), location),
    withTenant: (context, work) => engine.contexts.run(parseCallerContext(context), work),
    telemetry: engine.telemetry,
    info: { backend: engine.database.kind, location, embeddingModel: engine.embedder.model, dimensions: engine.embedder.dimensions },
    async ping() {
      try {
        await engine.database.withSession({ role: 'system' }, (db) => db.query('SELECT 1'));
      } catch (error) {
        throw new StrataError('unavailable', `the database does not answer: ${error instanceof Error ? error.message : String(error)}`, {
          cause: error,
        });
      }
    },
    async close() {
      for (const stop of engine.onClose) await stop();
      await Promise.allSettled(engine.indexBuilds.values());
      // Spans go out in batches: flush the last ones, unless the caller owns the telemetry.
      if (engine.ownsTelemetry) await engine.telemetry.shutdown();
      await engine.database.close();
    },
  };
  // The feature groups were built from the same list the Strata type is derived from.
  return Object.assign(methods, handle) as unknown as Strata;
}

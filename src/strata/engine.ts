import { notFound, StrataError } from '../core/errors.ts';
import type { Identity } from '../core/scope.ts';
import type { EmbeddingProvider } from '../models/embedding-provider.ts';
import { type Database, type Queryable, quoteLiteral } from '../store/database.ts';
import { toStrataError } from '../store/database-errors.ts';
import { buildTenantIndex } from '../store/vector-indexes.ts';
import { type CallerContext, type CallerDefaults, type ContextStore, resolveIdentity } from './caller.ts';

/** What every operation shares: the store, the models, settings and small caches. */
export interface Engine {
  database: Database;
  embedder: EmbeddingProvider;
  defaults: CallerDefaults;
  contexts: ContextStore;
  now: () => Date;
  generateId: () => string;
  vectorIndexThreshold: number;
  autoIndex: boolean;
  /** Tenant tables, children first, read from the catalog at open. */
  tenantTables: string[];
  /** Tenant → client, to set the client id before the tenant row is read (verified each time). */
  tenantClients: Map<string, string>;
  /** Index builds under way, so a tenant is indexed once. */
  indexBuilds: Map<string, Promise<void>>;
}

/** The tenant facts a session reads first, in the same transaction as the work. */
export interface TenantFacts {
  clientId: string;
  status: string;
  /** The model of the tenant's own HNSW index, if it has one. */
  indexedModel: string | null;
}

/** The identity of the current call: the bound context, else `withTenant`'s, else none. */
export function currentIdentity(engine: Engine, bound: CallerContext | undefined): Identity & { clientKnown: boolean } {
  return resolveIdentity(bound ?? engine.contexts.getStore() ?? {}, engine.defaults);
}

/**
 * Runs `work` in one session transaction for `identity`. With a tenant, the tenant row is read
 * first: a tenant that does not exist, or belongs to another client, is `not_found`; a
 * suspended one is `tenant_suspended`. Driver errors come out as StrataErrors.
 */
export async function inSession<T>(
  engine: Engine,
  identity: Identity & { clientKnown?: boolean },
  work: (db: Queryable, resolved: Identity, tenant: TenantFacts | null) => Promise<T>,
  options: { allUsers?: boolean } = {},
): Promise<T> {
  try {
    const tenantId = identity.tenantId;
    if (tenantId === undefined) {
      const settings = {
        role: identity.role,
        clientId: identity.clientId,
        ...(identity.keyHash === undefined ? {} : { keyHash: identity.keyHash }),
      };
      const keyCheck = identity.keyHash === undefined ? undefined : `SELECT ${liveKeyCondition(engine.now())} AS live`;
      return await engine.database.withSession(
        settings,
        async (db, prelude) => {
          if (keyCheck !== undefined && prelude[0]?.live !== true) throw keyNotLive();
          return work(db, identity, null);
        },
        keyCheck,
      );
    }
    for (let attempt = 0; attempt < 2; attempt += 1) {
      const clientId =
        identity.clientKnown === true ? identity.clientId : (engine.tenantClients.get(tenantId) ?? (await lookupClient(engine, tenantId)));
      const settings = {
        role: identity.role,
        clientId,
        tenantId,
        allUsers: options.allUsers === true,
        ...(identity.userId === undefined ? {} : { userId: identity.userId }),
        ...(identity.keyHash === undefined ? {} : { keyHash: identity.keyHash }),
      };
      const factsSql = tenantFactsSql(tenantId, identity.keyHash === undefined ? undefined : engine.now());
      const outcome = await engine.database.withSession(
        settings,
        async (db, prelude) => {
          // The tenant's facts (and the key check) came back with the session setup: no extra round trip.
          const tenant = toTenantFacts(prelude);
          if (tenant?.keyLive === false) throw keyNotLive();
          if (tenant === null || (identity.clientKnown === true && tenant.clientId !== identity.clientId))
            throw notFound('tenant', tenantId);
          // The cached client was stale (tenant deleted and re-created elsewhere): retry with the real one.
          if (tenant.clientId !== clientId) return { stale: true as const, clientId: tenant.clientId };
          if (tenant.status === 'suspended') {
            throw new StrataError('tenant_suspended', `tenant ${JSON.stringify(tenantId)} is suspended`, { details: { tenantId } });
          }
          const resolved: Identity = { ...identity, clientId };
          return { stale: false as const, value: await work(db, resolved, tenant) };
        },
        factsSql,
      );
      if (!outcome.stale) {
        engine.tenantClients.set(tenantId, clientId);
        return outcome.value;
      }
      engine.tenantClients.set(tenantId, outcome.clientId);
    }
    throw new StrataError('conflict', `tenant ${JSON.stringify(tenantId)} changed during the call; retry`);
  } catch (error) {
    throw toStrataError(error);
  }
}

// A key is live until revoked or past its expiry. The session carries the key's hash, and
// row-level security shows every session the row with that hash, whatever its role.
const liveKeyCondition = (now: Date) => {
  const at = `${quoteLiteral(now.toISOString())}::timestamptz`;
  return `(
  EXISTS (SELECT 1 FROM tenant_api_keys k WHERE k.key_hash = current_setting('strata.key_hash')
          AND k.revoked_at IS NULL AND (k.expires_at IS NULL OR k.expires_at > ${at}))
  OR EXISTS (SELECT 1 FROM admin_api_keys k WHERE k.key_hash = current_setting('strata.key_hash')
          AND k.revoked_at IS NULL AND (k.expires_at IS NULL OR k.expires_at > ${at})))`;
};

const keyNotLive = () => new StrataError('unauthenticated', 'the API key has been revoked or has expired');

/**
 * The statement reading a tenant's facts (and, with `keyCheckAt`, whether the session's API
 * key is live then). Literals, not parameters: it rides in the session setup's round trip.
 */
function tenantFactsSql(tenantId: string, keyCheckAt?: Date): string {
  return `SELECT t.client_id, t.status, ${keyCheckAt === undefined ? 'true' : liveKeyCondition(keyCheckAt)} AS key_live,
       (SELECT i.embedding_model FROM tenant_vector_indexes i WHERE i.tenant_id = t.tenant_id) AS indexed_model
     FROM tenants t WHERE t.tenant_id = ${quoteLiteral(tenantId)}`;
}

function toTenantFacts(rows: Record<string, unknown>[]): (TenantFacts & { keyLive: boolean }) | null {
  const row = rows[0] as { client_id: string; status: string; indexed_model: string | null; key_live: boolean } | undefined;
  return row === undefined ? null : { clientId: row.client_id, status: row.status, indexedModel: row.indexed_model, keyLive: row.key_live };
}

async function lookupClient(engine: Engine, tenantId: string): Promise<string> {
  const tenant = await engine.database.withSession(
    { role: 'system', tenantId },
    async (_db, prelude) => toTenantFacts(prelude),
    tenantFactsSql(tenantId),
  );
  if (tenant === null) throw notFound('tenant', tenantId);
  engine.tenantClients.set(tenantId, tenant.clientId);
  return tenant.clientId;
}

/**
 * Starts building a tenant's own vector index once its searchable rows reach the threshold.
 * Runs in the background; searches use exact scans until the index is recorded.
 */
export function maybeIndexTenant(engine: Engine, tenantId: string, searchableCount: number | null, tenant: TenantFacts | null): void {
  if (!engine.autoIndex || searchableCount === null || searchableCount < engine.vectorIndexThreshold) return;
  if (tenant?.indexedModel === engine.embedder.model || engine.indexBuilds.has(tenantId)) return;
  const build = buildTenantIndex(engine.database, tenantId, engine.embedder.dimensions, engine.embedder.model)
    .then(() => undefined)
    .catch((error: unknown) => {
      process.emitWarning(`strata: building the vector index of tenant ${tenantId} failed: ${String(error)}`);
    })
    .finally(() => engine.indexBuilds.delete(tenantId));
  engine.indexBuilds.set(tenantId, build);
}

import { notFound, StrataError } from '../core/errors.ts';
import { effectiveFeatures, effectiveLimits, type FeatureName, type LimitOverrides, type Limits, type Plan } from '../core/plans.ts';
import type { Identity } from '../core/scope.ts';
import { type Database, type Queryable, quoteLiteral } from '../db/database.ts';
import { toStrataError } from '../db/database-errors.ts';
import { buildTenantIndex } from '../db/vector-indexes.ts';
import type { EmbeddingProvider } from '../models/embedding-provider.ts';
import type { LLMProvider } from '../models/llm-provider.ts';
import type { Telemetry } from '../telemetry/types.ts';
import type { CallerDefaults, ContextStore } from './caller.ts';
import type { DeploymentModels } from './deployment-models.ts';
import { type OperationStore, recordInTransaction, refuseOverQuota, releaseClaim } from './govern.ts';
import type { PriceTable } from './prices.ts';
import type { RateLimiter } from './rate-limiter.ts';
import type { SecretBox } from './secret-box.ts';

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
  /** Of those, the tables holding rows of one user (a `user_id` column), children first. */
  userTables: string[];
  /** Tenant → client, to set the client id before the tenant row is read (verified each time). */
  tenantClients: Map<string, string>;
  /** Index builds under way, so a tenant is indexed once. */
  indexBuilds: Map<string, Promise<void>>;
  /** Background work features started (a webhook dispatcher, say), stopped in order on close. */
  onClose: Array<() => Promise<void>>;
  /** The operation each call is running (audit entry, metering), across awaits. */
  operations: OperationStore;
  telemetry: Telemetry;
  /** Whether closing the store shuts the telemetry down (it made it). */
  ownsTelemetry: boolean;
  limiter: RateLimiter;
  /** Plan presets by name. */
  plans: Readonly<Record<string, Plan>>;
  /** The plan a tenant created without one gets. */
  defaultPlan: string;
  /** Each tenant's limits as its last session read them (the rate limiter runs before any session). */
  tenantLimits: Map<string, Limits>;
  /** Prices for the cost estimates in usage reports. */
  prices: PriceTable;
  /** The deployment's language model; `undefined` when none is configured (nothing that needs one runs, nothing is faked). */
  readonly llm: LLMProvider | undefined;
  /** The models tenants may choose, the default one, and the connection tenants' own provider keys are used with. */
  readonly models: DeploymentModels;
  /** Seals tenant secrets under the master key; `undefined` when none is configured (tenant provider keys are then refused). */
  readonly secretBox: SecretBox | undefined;
}

/** The tenant facts a session reads first, in the same transaction as the work. */
export interface TenantFacts {
  clientId: string;
  status: string;
  /** The model of the tenant's own HNSW index, if it has one. */
  indexedModel: string | null;
  plan: string;
  limits: Limits;
  features: Record<FeatureName, boolean>;
  /** Top-level memories the tenant holds (its size class). */
  memoryCount: number;
}

/** A tenant's size class, a bounded metrics label: by the memories it holds. */
export function sizeClass(memoryCount: number): string {
  if (memoryCount < 1_000) return 'small';
  return memoryCount < 100_000 ? 'medium' : 'large';
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
      return await engine.database
        .withSession(
          settings,
          async (db, prelude) => {
            if (keyCheck !== undefined && prelude[0]?.live !== true) throw keyNotLive();
            const value = await work(db, identity, null);
            return { value, recorded: await recordInTransaction(engine, db, undefined, undefined) };
          },
          keyCheck,
        )
        .then((outcome) => {
          outcome.recorded?.();
          return outcome.value;
        });
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
          const tenant = toTenantFacts(prelude, engine);
          if (tenant?.keyLive === false) throw keyNotLive();
          if (tenant === null || (identity.clientKnown === true && tenant.clientId !== identity.clientId))
            throw notFound('tenant', tenantId);
          // The cached client was stale (tenant deleted and re-created elsewhere): retry with the real one.
          if (tenant.clientId !== clientId) return { stale: true as const, clientId: tenant.clientId };
          if (tenant.status === 'suspended') {
            throw new StrataError('tenant_suspended', `tenant ${JSON.stringify(tenantId)} is suspended`, { details: { tenantId } });
          }
          // Offboarding: nothing more is read or written, and no racing write can bring data back.
          if (tenant.status !== 'active') throw notFound('tenant', tenantId);
          engine.tenantLimits.set(tenantId, tenant.limits);
          const op = engine.operations.getStore();
          if (op !== undefined) op.sizeClass = sizeClass(tenant.memoryCount);
          const feature = op?.feature;
          if (feature !== undefined && !tenant.features[feature]) {
            throw new StrataError('forbidden', `${op?.action} is not in this tenant's plan (feature ${feature})`, {
              details: { feature, tenantId },
            });
          }
          refuseOverQuota(engine, tenantId, tenant.meter, tenant.limits);
          const resolved: Identity = { ...identity, clientId };
          const value = await work(db, resolved, tenant);
          const recorded = await recordInTransaction(engine, db, tenantId, tenant.limits);
          return { stale: false as const, value, recorded };
        },
        factsSql,
      );
      if (!outcome.stale) {
        outcome.recorded?.();
        engine.tenantClients.set(tenantId, clientId);
        return outcome.value;
      }
      engine.tenantClients.set(tenantId, outcome.clientId);
    }
    throw new StrataError('conflict', `tenant ${JSON.stringify(tenantId)} changed during the call; retry`);
  } catch (error) {
    releaseClaim(engine);
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
  return `SELECT t.client_id, t.status, t.plan, t.limits, t.settings->'features' AS features, ${keyCheckAt === undefined ? 'true' : liveKeyCondition(keyCheckAt)} AS key_live,
       (SELECT i.embedding_model FROM tenant_vector_indexes i WHERE i.tenant_id = t.tenant_id) AS indexed_model,
       u.memory_count::float8 AS memory_count, m.day::text AS meter_day, m.day_calls::float8 AS day_calls,
       m.month::text AS meter_month, m.month_tokens::float8 AS month_tokens
     FROM tenants t
     LEFT JOIN tenant_usage u ON u.tenant_id = t.tenant_id
     LEFT JOIN tenant_meter m ON m.tenant_id = t.tenant_id
     WHERE t.tenant_id = ${quoteLiteral(tenantId)}`;
}

interface FactsRow {
  client_id: string;
  status: string;
  plan: string;
  limits: LimitOverrides;
  features: Record<string, unknown> | null;
  indexed_model: string | null;
  key_live: boolean;
  memory_count: number | null;
  meter_day: string | null;
  day_calls: number | null;
  meter_month: string | null;
  month_tokens: number | null;
}

function toTenantFacts(
  rows: Record<string, unknown>[],
  engine: Pick<Engine, 'plans'>,
): (TenantFacts & { keyLive: boolean; meter: { day: string | null; dayCalls: number; month: string | null; monthTokens: number } }) | null {
  const row = rows[0] as FactsRow | undefined;
  if (row === undefined) return null;
  return {
    clientId: row.client_id,
    status: row.status,
    indexedModel: row.indexed_model,
    keyLive: row.key_live,
    plan: row.plan,
    limits: effectiveLimits(row.plan, row.limits ?? {}, engine.plans),
    features: effectiveFeatures(row.plan, { features: row.features }, engine.plans),
    memoryCount: Number(row.memory_count ?? 0),
    meter: {
      day: row.meter_day,
      dayCalls: Number(row.day_calls ?? 0),
      month: row.meter_month,
      monthTokens: Number(row.month_tokens ?? 0),
    },
  };
}

async function lookupClient(engine: Engine, tenantId: string): Promise<string> {
  const tenant = await engine.database.withSession(
    { role: 'system', tenantId },
    async (_db, prelude) => toTenantFacts(prelude, engine),
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

import { notFound, StrataError } from '../../core/errors.ts';
import { parseOpaqueId } from '../../core/ids.ts';
import type { LimitOverrides, Limits } from '../../core/plans.ts';
import { pageSchema, parseInput } from '../../core/schemas.ts';
import type { Identity } from '../../core/scope.ts';
import type { Page, Tenant } from '../../core/types.ts';
import type { Queryable } from '../../db/database.ts';
import { sqlState, toStrataError } from '../../db/database-errors.ts';
import { enterTenant } from '../../db/session-settings.ts';
import { purgeTenantRows } from '../../db/tenant-tables.ts';
import { dropTenantIndex } from '../../db/vector-indexes.ts';
import { type CallerContext, currentIdentity } from '../../kernel/caller.ts';
import { decodeCursor, encodeCursor } from '../../kernel/cursor.ts';
import { type Engine, inSession } from '../../kernel/engine.ts';
import { enqueueEvent } from '../../kernel/events.ts';
import { noteTargets, recordInTransaction } from '../../kernel/govern.ts';
import { createProviderKeysApi, type ProviderKeysApi } from './provider-keys-api.ts';
import { assertModelAllowed } from './tenant-models.ts';
import { type TenantRow, tenantColumns, toTenant } from './tenant-rows.ts';
import { createTenantSchema, updateTenantSchema } from './tenants-schemas.ts';

/** Fields for creating a tenant. */
export interface CreateTenantInput {
  id: string;
  /** The client application the tenant belongs to; defaults to the caller's. */
  clientId?: string;
  name?: string;
  /** A plan preset (`starter`, `professional`, `enterprise`) or any other name for a custom plan. Default: the store's `defaultPlan`. */
  plan?: string;
  /**
   * Free-form JSON, but for `features` (plan feature flags) and `extraction`: `{ policy?: 'off' |
   * 'add-only' | 'full', model?: string }`, the model one of the deployment's allowed models
   * (`forbidden` otherwise); another key inside `extraction` is `invalid_input` naming it.
   */
  settings?: Tenant['settings'];
  /** The tenant's own limits over its plan's. */
  limits?: LimitOverrides;
}

/** Fields for updating a tenant; settings merge key by key (a null value removes a key). */
export interface UpdateTenantInput {
  name?: string | null;
  /** Upgrade or downgrade: the new plan's preset applies from the next call. */
  plan?: string;
  /** Merged key by key (null removes a key); `extraction` is checked as on create and replaced whole. */
  settings?: Tenant['settings'];
  /** Merged limit by limit; null drops the tenant's own value (back to the plan's). */
  limits?: LimitOverrides;
  /** Suspend (`suspended`) or resume (`active`). */
  status?: 'active' | 'suspended';
}

/** What deleting a tenant removed, per table. */
export interface TenantDeletionReport {
  tenantId: string;
  status: 'deleted';
  /** Rows removed per tenant table (every table with a tenant_id column, read from the catalog). */
  deleted: Record<string, number>;
  /** API keys revoked (deleted with the tenant's rows). */
  keysRevoked: number;
}

/**
 * Tenant administration: the operator, or a client admin for its own client's tenants; a
 * tenant's own admin also sets and deletes its provider key.
 */
export interface TenantsApi extends ProviderKeysApi {
  create(input: CreateTenantInput): Promise<Tenant>;
  get(id: string): Promise<Tenant>;
  list(query?: { limit?: number; cursor?: string; clientId?: string }): Promise<Page<Tenant>>;
  update(id: string, patch: UpdateTenantInput): Promise<Tenant>;
  /**
   * Offboards a tenant: marks it `offboarding` (every call of its keys fails from then on), then
   * purges every row it owns in every tenant table (audit chain included), revokes its keys by
   * deleting them, clears its rate-limit state, and leaves only a content-free tombstone entry in
   * the platform audit log. Returns the rows removed per table.
   */
  offboard(id: string): Promise<TenantDeletionReport>;
  /** The same as {@link TenantsApi.offboard}. */
  delete(id: string): Promise<TenantDeletionReport>;
}

/** Builds the tenants API. */
export function createTenantsApi(engine: Engine, bound: CallerContext | undefined): TenantsApi {
  const administrator = () => {
    // The role check (permission tenants.manage) is the governed pipeline's, before the call.
    const identity = currentIdentity(engine, bound);
    // A tenant-bound admin context is still an administrator of tenants, not inside one.
    const { tenantId: _tenant, userId: _user, ...rest } = identity;
    return rest as Identity & { clientKnown: boolean };
  };

  /** The tenant row if this administrator may see it; `not_found` otherwise (FOR UPDATE when about to change it). */
  const visibleTenant = async (db: Queryable, identity: Identity, id: string, lock = '') => {
    const result = await db.query<TenantRow>(`SELECT ${tenantColumns} FROM tenants WHERE tenant_id = $1 ${lock}`, [id]);
    const row = result.rows[0];
    if (row === undefined || (identity.role === 'client_admin' && row.client_id !== identity.clientId)) throw notFound('tenant', id);
    return row;
  };
  const select = (identity: Identity, id: string) => inSession(engine, identity, (db) => visibleTenant(db, identity, id));

  async function offboard(id: string): Promise<TenantDeletionReport> {
    const tenantId = parseOpaqueId('id', id);
    const identity = administrator();
    // Outside the operation: its audit entry (the tombstone) goes with the purge, not with this read.
    const row = await engine.operations.exit(() => select(identity, tenantId));
    const settings = { role: identity.role, clientId: row.client_id, tenantId, allUsers: true };
    try {
      // Committed first: from here every session of the tenant is refused (see inSession).
      await engine.database.withSession(settings, (db) =>
        db.query(`UPDATE tenants SET status = 'offboarding', updated_at = $2::timestamptz WHERE tenant_id = $1`, [
          tenantId,
          engine.now().toISOString(),
        ]),
      );
      const deleted = await retryOnDeadlock(() =>
        engine.database.withSession(settings, async (db) => {
          // Every tenant operation updates its meter row before it commits. Deleting the row first
          // waits out operations already past that point; any later one finds the row gone and
          // rolls back, so a racing write cannot bring data back after the purge.
          const meter = await db.query('DELETE FROM tenant_meter WHERE tenant_id = $1', [tenantId]);
          const counts = await purgeTenantRows(db, engine.tenantTables, tenantId);
          counts.tenant_meter = meter.affectedRows;
          await enqueueEvent(db, {
            tenantId: null,
            type: 'tenant.offboarded',
            data: { tenantId, clientId: row.client_id },
            at: engine.now().toISOString(),
            eventId: engine.generateId(),
          });
          const recorded = await recordInTransaction(engine, db, undefined, undefined);
          return { counts, recorded };
        }),
      );
      deleted.recorded?.();
      engine.tenantClients.delete(tenantId);
      engine.tenantLimits.delete(tenantId);
      engine.limiter.forget(tenantId);
      await dropTenantIndex(engine.database, tenantId);
      return { tenantId, status: 'deleted', deleted: deleted.counts, keysRevoked: deleted.counts.tenant_api_keys ?? 0 };
    } catch (error) {
      throw toStrataError(error);
    }
  }

  return {
    async create(input) {
      const parsed = parseInput(createTenantSchema, input);
      assertModelAllowed(engine, parsed.settings?.extraction?.model);
      const identity = administrator();
      const clientId = parsed.clientId ?? identity.clientId;
      if (identity.role === 'client_admin' && clientId !== identity.clientId) {
        throw new StrataError('forbidden', 'clientId: a client admin creates tenants for its own client only', {
          details: { field: 'clientId' },
        });
      }
      const now = engine.now().toISOString();
      const row = await inSession(engine, { ...identity, clientId }, async (db) => {
        await db.query('INSERT INTO clients (client_id) VALUES ($1) ON CONFLICT (client_id) DO NOTHING', [clientId]);
        const inserted = await db.query<TenantRow>(
          `INSERT INTO tenants (tenant_id, client_id, name, plan, status, settings, limits, created_at, updated_at)
           VALUES ($1, $2, $3, $4, 'active', $5::jsonb, $6::jsonb, $7::timestamptz, $7::timestamptz)
           ON CONFLICT (tenant_id) DO NOTHING RETURNING ${tenantColumns}`,
          [
            parsed.id,
            clientId,
            parsed.name ?? null,
            parsed.plan ?? engine.defaultPlan,
            JSON.stringify(parsed.settings ?? {}),
            JSON.stringify(ownLimits(parsed.limits ?? {})),
            now,
          ],
        );
        const created = inserted.rows[0];
        if (created === undefined) {
          throw new StrataError('conflict', `id: tenant ${JSON.stringify(parsed.id)} already exists`, { details: { field: 'id' } });
        }
        // The usage row is written under the new tenant's own context, as RLS requires.
        await enterTenant(db, parsed.id);
        await db.query('INSERT INTO tenant_usage (tenant_id) VALUES ($1)', [parsed.id]);
        await db.query('INSERT INTO tenant_meter (tenant_id) VALUES ($1)', [parsed.id]);
        noteTargets(engine, [parsed.id]);
        return created;
      });
      engine.tenantClients.set(row.tenant_id, row.client_id);
      return toTenant(row, engine.plans);
    },

    async get(id) {
      return toTenant(await select(administrator(), parseOpaqueId('id', id)), engine.plans);
    },

    async list(query = {}) {
      const parsed = parseInput(pageSchema, query);
      const identity = administrator();
      const limit = parsed.limit ?? 50;
      const clientId = identity.role === 'client_admin' ? identity.clientId : parsed.clientId;
      const after = parsed.cursor === undefined ? null : decodeCursor(parsed.cursor);
      const rows = await inSession(engine, identity, async (db) => {
        const result = await db.query<TenantRow>(
          `SELECT ${tenantColumns} FROM tenants
           WHERE ($1::text IS NULL OR client_id = $1) AND ($2::text IS NULL OR tenant_id > $2)
           ORDER BY tenant_id LIMIT $3`,
          [clientId ?? null, after, limit + 1],
        );
        return result.rows;
      });
      const items = rows.slice(0, limit).map((row) => toTenant(row, engine.plans));
      const last = items.at(-1);
      return { items, nextCursor: rows.length > limit && last !== undefined ? encodeCursor(last.id) : null };
    },

    async update(id, patch) {
      const tenantId = parseOpaqueId('id', id);
      const parsed = parseInput(updateTenantSchema, patch);
      assertModelAllowed(engine, parsed.settings?.extraction?.model ?? undefined);
      const identity = administrator();
      const row = await inSession(engine, identity, async (db) => {
        const current = await visibleTenant(db, identity, tenantId, 'FOR UPDATE');
        if (current.status !== 'active' && current.status !== 'suspended') {
          throw new StrataError('conflict', `tenant ${JSON.stringify(tenantId)} is being offboarded`, {
            details: { status: current.status },
          });
        }
        const result = await db.query<TenantRow>(
          `UPDATE tenants SET
             name = CASE WHEN $2 THEN $3 ELSE name END,
             plan = coalesce($4, plan),
             status = coalesce($5, status),
             settings = CASE WHEN $6::jsonb IS NULL THEN settings ELSE jsonb_strip_nulls(settings || $6::jsonb) END,
             limits = CASE WHEN $8::jsonb IS NULL THEN limits ELSE jsonb_strip_nulls(limits || $8::jsonb) END,
             updated_at = $7::timestamptz
           WHERE tenant_id = $1 RETURNING ${tenantColumns}`,
          [
            tenantId,
            parsed.name !== undefined,
            parsed.name ?? null,
            parsed.plan ?? null,
            parsed.status ?? null,
            parsed.settings === undefined ? null : JSON.stringify(parsed.settings),
            engine.now().toISOString(),
            parsed.limits === undefined ? null : JSON.stringify(parsed.limits),
          ],
        );
        const updated = result.rows[0];
        if (updated === undefined) throw notFound('tenant', tenantId);
        if (updated.status === 'suspended' && current.status !== 'suspended') {
          await enqueueEvent(db, {
            tenantId,
            type: 'tenant.suspended',
            data: { tenantId, clientId: updated.client_id },
            at: engine.now().toISOString(),
            eventId: engine.generateId(),
          });
        }
        return updated;
      });
      const tenant = toTenant(row, engine.plans);
      engine.tenantLimits.set(tenantId, tenant.limits as Limits);
      return tenant;
    },

    delete: (id) => offboard(id),
    offboard: (id) => offboard(id),
    ...createProviderKeysApi(engine, bound),
  };
}

/** Limits to store at creation: a null means "the plan's", which is the same as leaving it out. */
function ownLimits(limits: LimitOverrides): LimitOverrides {
  return Object.fromEntries(Object.entries(limits).filter(([, value]) => value !== null));
}

/** Runs `work` again (up to three times) when PostgreSQL picks it as a deadlock victim. */
async function retryOnDeadlock<T>(work: () => Promise<T>): Promise<T> {
  for (let attempt = 1; ; attempt += 1) {
    try {
      return await work();
    } catch (error) {
      if (attempt >= 3 || sqlState(error) !== '40P01') throw error;
    }
  }
}

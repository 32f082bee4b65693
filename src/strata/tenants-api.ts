import { notFound, StrataError } from '../core/errors.ts';
import { parseOpaqueId } from '../core/ids.ts';
import { createTenantSchema, pageSchema, parseInput, updateTenantSchema } from '../core/schemas.ts';
import type { Identity } from '../core/scope.ts';
import type { Page, Tenant } from '../core/types.ts';
import type { Queryable } from '../store/database.ts';
import { toStrataError } from '../store/database-errors.ts';
import { type TenantRow, tenantColumns, toTenant } from '../store/tenant-rows.ts';
import { purgeTenantRows } from '../store/tenant-tables.ts';
import { dropTenantIndex } from '../store/vector-indexes.ts';
import type { CallerContext } from './caller.ts';
import { decodeCursor, encodeCursor } from './cursor.ts';
import { currentIdentity, type Engine, inSession } from './engine.ts';

/** Fields for creating a tenant. */
export interface CreateTenantInput {
  id: string;
  /** The client application the tenant belongs to; defaults to the caller's. */
  clientId?: string;
  name?: string;
  plan?: string;
  settings?: Tenant['settings'];
}

/** Fields for updating a tenant; settings merge key by key (a null value removes a key). */
export interface UpdateTenantInput {
  name?: string | null;
  plan?: string;
  settings?: Tenant['settings'];
  status?: Tenant['status'];
}

/** What deleting a tenant removed, per table. */
export interface TenantDeletionReport {
  tenantId: string;
  deleted: Record<string, number>;
}

/** Tenant administration: the operator, or a client admin for its own client's tenants. */
export interface TenantsApi {
  create(input: CreateTenantInput): Promise<Tenant>;
  get(id: string): Promise<Tenant>;
  list(query?: { limit?: number; cursor?: string; clientId?: string }): Promise<Page<Tenant>>;
  update(id: string, patch: UpdateTenantInput): Promise<Tenant>;
  /** Purges every row the tenant owns, in every tenant table, and reports the counts. */
  delete(id: string): Promise<TenantDeletionReport>;
}

/** Builds the tenants API. */
export function createTenantsApi(engine: Engine, bound: CallerContext | undefined): TenantsApi {
  const administrator = () => {
    const identity = currentIdentity(engine, bound);
    if (identity.role !== 'platform' && identity.role !== 'client_admin') {
      throw new StrataError('forbidden', `role ${identity.role} cannot manage tenants`, { details: { role: identity.role } });
    }
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

  return {
    async create(input) {
      const parsed = parseInput(createTenantSchema, input);
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
          `INSERT INTO tenants (tenant_id, client_id, name, plan, status, settings, created_at, updated_at)
           VALUES ($1, $2, $3, $4, 'active', $5::jsonb, $6::timestamptz, $6::timestamptz)
           ON CONFLICT (tenant_id) DO NOTHING RETURNING ${tenantColumns}`,
          [parsed.id, clientId, parsed.name ?? null, parsed.plan ?? 'starter', JSON.stringify(parsed.settings ?? {}), now],
        );
        const created = inserted.rows[0];
        if (created === undefined) {
          throw new StrataError('conflict', `id: tenant ${JSON.stringify(parsed.id)} already exists`, { details: { field: 'id' } });
        }
        // The usage row is written under the new tenant's own context, as RLS requires.
        await db.query(`SELECT set_config('strata.tenant_id', $1, true)`, [parsed.id]);
        await db.query('INSERT INTO tenant_usage (tenant_id) VALUES ($1)', [parsed.id]);
        return created;
      });
      engine.tenantClients.set(row.tenant_id, row.client_id);
      return toTenant(row);
    },

    async get(id) {
      return toTenant(await select(administrator(), parseOpaqueId('id', id)));
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
      const items = rows.slice(0, limit).map(toTenant);
      const last = items.at(-1);
      return { items, nextCursor: rows.length > limit && last !== undefined ? encodeCursor(last.id) : null };
    },

    async update(id, patch) {
      const tenantId = parseOpaqueId('id', id);
      const parsed = parseInput(updateTenantSchema, patch);
      const identity = administrator();
      const row = await inSession(engine, identity, async (db) => {
        await visibleTenant(db, identity, tenantId, 'FOR UPDATE');
        const result = await db.query<TenantRow>(
          `UPDATE tenants SET
             name = CASE WHEN $2 THEN $3 ELSE name END,
             plan = coalesce($4, plan),
             status = coalesce($5, status),
             settings = CASE WHEN $6::jsonb IS NULL THEN settings ELSE jsonb_strip_nulls(settings || $6::jsonb) END,
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
          ],
        );
        const updated = result.rows[0];
        if (updated === undefined) throw notFound('tenant', tenantId);
        return updated;
      });
      return toTenant(row);
    },

    async delete(id) {
      const tenantId = parseOpaqueId('id', id);
      const identity = administrator();
      const row = await select(identity, tenantId);
      // Straight to the database, not inSession: a suspended tenant can still be deleted.
      const deleted = await engine.database
        .withSession({ role: identity.role, clientId: row.client_id, tenantId, allUsers: true }, (db) =>
          purgeTenantRows(db, engine.tenantTables, tenantId),
        )
        .catch((error: unknown) => {
          throw toStrataError(error);
        });
      engine.tenantClients.delete(tenantId);
      await dropTenantIndex(engine.database, tenantId);
      return { tenantId, deleted };
    },
  };
}

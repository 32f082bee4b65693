import { invalidInput } from '../../core/errors.ts';
import { parseInput } from '../../core/schemas.ts';
import { type CallerContext, currentIdentity } from '../../kernel/caller.ts';
import { type Engine, inSession } from '../../kernel/engine.ts';
import { governanceReader } from '../../kernel/governance-reader.ts';
import { type StatsQuery, statsQuerySchema, type TenantStats } from './stats-schemas.ts';
import { byDocumentType, readCounters, readTypeCounts } from './stats-sql.ts';

/** Per-tenant statistics: what a tenant holds, by document type and scope. */
export interface StatsApi {
  /**
   * Counts of a tenant's memories, documents and chunks by document type and scope, its users
   * and the storage its quota counts. A tenant admin reads its own tenant; the operator and a
   * client admin name one (`tenantId`).
   *
   * @example
   * const { items, chunks, byDocumentType } = await strata.as({ tenantId: 'acme', role: 'admin' }).stats.get();
   */
  get(query?: StatsQuery): Promise<TenantStats>;
}

/** Builds the statistics API. */
export function createStatsApi(engine: Engine, bound: CallerContext | undefined): StatsApi {
  return {
    async get(query = {}) {
      const parsed = parseInput(statsQuerySchema, query);
      const identity = governanceReader(currentIdentity(engine, bound), parsed.tenantId, 'statistics');
      const tenantId = identity.tenantId;
      if (tenantId === undefined) throw invalidInput('tenantId', 'name the tenant whose statistics to read');
      return inSession(
        engine,
        identity,
        async (db) => {
          const rows = await readTypeCounts(db, tenantId, engine.now());
          const counters = await readCounters(db, tenantId);
          const types = byDocumentType(rows);
          const sum = (field: 'items' | 'documents' | 'chunks') => types.reduce((total, type) => total + type[field], 0);
          const inScope = (scope: 'customer' | 'user') =>
            rows.filter((row) => row.scope === scope).reduce((total, row) => total + Number(row.items), 0);
          return {
            tenantId,
            items: sum('items'),
            documents: sum('documents'),
            chunks: sum('chunks'),
            ...counters,
            byDocumentType: types,
            byScope: { customer: inScope('customer'), user: inScope('user') },
          };
        },
        // Every user's rows are counted (an admin's view of the whole tenant), never shown.
        { allUsers: true },
      );
    },
  };
}

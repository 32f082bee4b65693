import type { Identity } from '../core/scope.ts';
import type { Queryable } from './database.ts';

/** Changes to a tenant's counters from one write. */
export interface UsageDelta {
  memories: number;
  searchable: number;
  bytes: number;
}

/**
 * Applies `delta` to the tenant's counters in the writing transaction and returns the new
 * searchable row count (which routes vector search to an exact scan or an index).
 */
export async function addUsage(db: Queryable, identity: Identity, delta: UsageDelta): Promise<number> {
  const result = await db.query<{ searchable_count: string }>(
    `UPDATE tenant_usage SET memory_count = memory_count + $2, searchable_count = searchable_count + $3,
       content_bytes = content_bytes + $4
     WHERE tenant_id = $1 RETURNING searchable_count::text AS searchable_count`,
    [identity.tenantId, delta.memories, delta.searchable, delta.bytes],
  );
  return Number(result.rows[0]?.searchable_count ?? 0);
}

/** The usage a set of deleted top-level rows gave back (chunk rows are counted by their parent). */
export function removedUsage(rows: ReadonlyArray<{ kind: string; chunk_count: number; bytes: number | string }>): UsageDelta {
  const top = rows.filter((row) => row.kind !== 'chunk');
  return {
    memories: -top.length,
    searchable: -top.reduce((total, row) => total + row.chunk_count, 0),
    bytes: -top.reduce((total, row) => total + Number(row.bytes), 0),
  };
}

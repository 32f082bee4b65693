import { notFound } from '../core/errors.ts';
import type { Limits } from '../core/plans.ts';
import type { Identity } from '../core/scope.ts';
import type { Queryable } from '../db/database.ts';
import { enforceQuotas, type RegistryLimit } from './quota.ts';

/** Changes to a tenant's counters from one write. */
export interface UsageDelta {
  memories: number;
  searchable: number;
  bytes: number;
}

/** Who wrote, when, and the limits the write is held to. */
export interface UsageContext {
  identity: Identity;
  now: Date;
  limits?: Limits | undefined;
}

/**
 * Applies `delta` to the tenant's counters in the writing transaction and returns the new
 * searchable row count (which routes vector search to an exact scan or an index). The counter
 * row's lock makes the memories and storage quotas exact: a write that would pass one throws
 * `limit_exceeded` and rolls back. The day's storage figure is kept for usage reports.
 */
export async function addUsage(db: Queryable, context: UsageContext, delta: UsageDelta): Promise<number> {
  const tenantId = context.identity.tenantId ?? '';
  const result = await db.query<{ searchable_count: string; memory_count: string; content_bytes: string }>(
    `WITH counted AS (
       UPDATE tenant_usage SET memory_count = memory_count + $2, searchable_count = searchable_count + $3,
         content_bytes = content_bytes + $4
       WHERE tenant_id = $1 RETURNING memory_count, searchable_count, content_bytes
     ), daily AS (
       INSERT INTO storage_daily (tenant_id, day, memories, bytes) SELECT $1, $5::date, memory_count, content_bytes FROM counted
       ON CONFLICT (tenant_id, day) DO UPDATE SET memories = EXCLUDED.memories, bytes = EXCLUDED.bytes
     )
     SELECT searchable_count::text, memory_count::text, content_bytes::text FROM counted`,
    [tenantId, delta.memories, delta.searchable, delta.bytes, context.now.toISOString().slice(0, 10)],
  );
  const row = result.rows[0];
  // The tenant was offboarded while this write ran: roll it back rather than leave rows behind.
  if (row === undefined) throw notFound('tenant', tenantId);
  const memories = Number(row.memory_count);
  const bytes = Number(row.content_bytes);
  await enforceQuotas(
    db,
    tenantId,
    context.limits,
    [
      { limit: 'memories', before: memories - delta.memories, after: memories },
      { limit: 'storageBytes', before: bytes - delta.bytes, after: bytes },
    ],
    context.now,
  );
  return Number(row.searchable_count);
}

/**
 * The usage a set of deleted top-level rows gave back (chunk rows are counted by their parent;
 * knowledge-base documents, which carry a `knowledge_base_id`, hold storage but are not memories).
 */
export function removedUsage(
  rows: ReadonlyArray<{ kind: string; chunk_count: number; bytes: number | string; knowledge_base_id?: string | null }>,
): UsageDelta {
  const top = rows.filter((row) => row.kind !== 'chunk');
  return {
    memories: -top.filter((row) => row.knowledge_base_id === undefined || row.knowledge_base_id === null).length,
    searchable: -top.reduce((total, row) => total + row.chunk_count, 0),
    bytes: -top.reduce((total, row) => total + Number(row.bytes), 0),
  };
}

const registryCounters: Record<RegistryLimit, string> = {
  knowledgeBases: 'knowledge_base_count',
  agents: 'agent_count',
  collections: 'collection_count',
};

/**
 * Counts a tenant's registry row created (+1) or deleted (-1), under the counter row's lock, so
 * `limit` holds exactly however many creates race: the one that would pass it throws
 * `limit_exceeded` and rolls back.
 */
export async function countRegistered(db: Queryable, context: UsageContext, limit: RegistryLimit, delta: 1 | -1): Promise<void> {
  const tenantId = context.identity.tenantId ?? '';
  const column = registryCounters[limit];
  const result = await db.query<{ count: string }>(
    `UPDATE tenant_usage SET ${column} = ${column} + $2 WHERE tenant_id = $1 RETURNING ${column}::text AS count`,
    [tenantId, delta],
  );
  const row = result.rows[0];
  if (row === undefined) throw notFound('tenant', tenantId);
  const after = Number(row.count);
  await enforceQuotas(db, tenantId, context.limits, [{ limit, before: after - delta, after }], context.now);
}

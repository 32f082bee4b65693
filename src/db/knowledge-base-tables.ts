import type { Identity } from '../core/scope.ts';
import type { Queryable } from './database.ts';
import { SqlParams } from './sql-params.ts';

// Which knowledge bases a caller reads, shared by the knowledge-bases feature (which owns them),
// the agents registry (which attaches them) and search (which reads their documents).

/** The two homes of knowledge bases: a tenant's own, and shared ones (a client's or the operator's). */
export type KnowledgeBaseTable = 'knowledge_bases' | 'shared_knowledge_bases';

/**
 * The terms limiting `table` (alias `k`) to what `identity` reads, or null when it reads none of
 * it. They repeat the row-level security policies on purpose (defence in depth).
 */
export function readableTerms(table: KnowledgeBaseTable, identity: Identity, params: SqlParams): string | null {
  if (table === 'knowledge_bases') return identity.tenantId === undefined ? null : `k.tenant_id = ${params.add(identity.tenantId)}`;
  return `(k.scope = 'world' OR k.client_id = ${params.add(identity.clientId)})`;
}

/** Of `ids`, those `identity` can read, in the order given. */
export async function readableKnowledgeBaseIds(db: Queryable, identity: Identity, ids: readonly string[]): Promise<string[]> {
  if (ids.length === 0) return [];
  const params = new SqlParams();
  const list = params.add(ids);
  const parts = (['knowledge_bases', 'shared_knowledge_bases'] as const).flatMap((table) => {
    const terms = readableTerms(table, identity, params);
    return terms === null
      ? []
      : [`SELECT k.knowledge_base_id::text AS id FROM ${table} k WHERE ${terms} AND k.knowledge_base_id = ANY (${list}::uuid[])`];
  });
  const result = await db.query<{ id: string }>(parts.join(' UNION ALL '), params.values);
  const found = new Set(result.rows.map((row) => row.id));
  return ids.filter((id) => found.has(id));
}

/** The knowledge bases attached to the tenant's agent `agentId` (none when no such agent is registered). */
export async function agentKnowledgeBaseIds(db: Queryable, identity: Identity, agentId: string): Promise<string[]> {
  if (identity.tenantId === undefined) return [];
  const result = await db.query<{ ids: string[] }>(
    'SELECT knowledge_base_ids::text[] AS ids FROM agents WHERE tenant_id = $1 AND agent_id = $2',
    [identity.tenantId, agentId],
  );
  return result.rows[0]?.ids ?? [];
}

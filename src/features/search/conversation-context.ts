import type { Queryable } from '../../db/database.ts';
import { type MemoryRow, type MemoryTable, memoryColumns } from '../../db/memory-tables.ts';
import { SqlParams } from '../../db/sql-params.ts';
import type { TermsBuilder } from './bm25.ts';

/** A row next to an anchor in the anchor's conversation. */
export interface ConversationNeighbour {
  anchorId: string;
  row: MemoryRow;
}

/**
 * For each anchor row that belongs to a conversation, the visible rows just before and just
 * after it in that conversation (by creation time, then id: ids are time-ordered, so turns
 * stored in one batch keep their order). Neighbours must pass the same visibility and filter
 * terms as any search hit. Each lookup starts at the anchor's place in the conversation index
 * (`created_at` bound) and reads one row each way.
 */
export async function conversationNeighbours(
  db: Queryable,
  buildTerms: TermsBuilder,
  anchors: readonly MemoryRow[],
): Promise<ConversationNeighbour[]> {
  const inConversation = anchors.filter((anchor) => anchor.conversation_id !== null);
  if (inConversation.length === 0) return [];
  const params = new SqlParams();
  const parts: string[] = [];
  for (const table of ['memories', 'shared_memories'] as const) {
    const ids = inConversation
      .filter((anchor) => (anchor.tenant_id === null) === (table === 'shared_memories'))
      .map((anchor) => anchor.memory_id);
    if (ids.length === 0) continue;
    const terms = buildTerms(table, params);
    if (terms === null) continue;
    parts.push(neighbourSql(table, terms, params.add(ids)));
  }
  if (parts.length === 0) return [];
  const result = await db.query<MemoryRow & { anchor_id: string }>(parts.join(' UNION ALL '), params.values);
  return result.rows.map(({ anchor_id, ...row }) => ({ anchorId: anchor_id, row }));
}

function neighbourSql(table: MemoryTable, terms: string, ids: string): string {
  const sameOwner = table === 'memories' ? 'm.tenant_id = a.tenant_id AND ' : '';
  const side = (comparison: '<' | '>', order: 'ASC' | 'DESC') =>
    `(SELECT m.* FROM ${table} m
      WHERE ${sameOwner}m.conversation_id = a.conversation_id AND m.created_at ${comparison}= a.created_at
        AND (m.created_at, m.memory_id) ${comparison} (a.created_at, a.memory_id) AND ${terms}
      ORDER BY m.created_at ${order}, m.memory_id ${order} LIMIT 1)`;
  return `(SELECT a.memory_id::text AS anchor_id, ${memoryColumns(table)}
    FROM ${table} a CROSS JOIN LATERAL (${side('<', 'DESC')} UNION ALL ${side('>', 'ASC')}) m
    WHERE a.memory_id = ANY(${ids}::uuid[]) AND a.conversation_id IS NOT NULL)`;
}

/**
 * Adds conversational context to fused scores: each row gains `share` times the best score among
 * its neighbours in the conversation. A reply rarely repeats the words of the question it
 * answers ("What did you research?" — "Adoption agencies."), so the turn next to a strong match
 * is often the one that holds the answer. Rows that are only neighbours start from zero.
 */
export function withConversationContext(
  scores: ReadonlyMap<string, number>,
  neighbours: ReadonlyArray<{ anchorId: string; neighbourId: string }>,
  share: number,
): Map<string, number> {
  const bestNeighbour = new Map<string, number>();
  for (const { anchorId, neighbourId } of neighbours) {
    const anchorScore = scores.get(anchorId) ?? 0;
    bestNeighbour.set(neighbourId, Math.max(bestNeighbour.get(neighbourId) ?? 0, anchorScore));
  }
  const result = new Map(scores);
  for (const [id, best] of bestNeighbour) result.set(id, (scores.get(id) ?? 0) + share * best);
  return result;
}

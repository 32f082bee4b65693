import { parseMetadataFilter } from '../../core/filter.ts';
import type { Identity, Scope } from '../../core/scope.ts';
import type { MemoryVersion } from '../../core/types.ts';
import type { Queryable } from '../../db/database.ts';
import {
  historyTable,
  isoTime,
  type MemoryRow,
  type MemoryTable,
  memoryColumns,
  notExpired,
  visibilityTerms,
} from '../../db/memory-tables.ts';
import { compileMetadataFilter } from '../../db/sql-filter.ts';
import { SqlParams } from '../../db/sql-params.ts';
import { unionOrdered } from '../../db/union-query.ts';
import type { ListMemoriesQuery } from './memories-schemas.ts';

/** Finds a visible, unexpired top-level memory by id in either table (knowledge-base documents are read through their knowledge base). */
export async function findMemory(
  db: Queryable,
  identity: Identity,
  scopes: readonly Scope[],
  id: string,
  now: Date,
  options: { forUpdate?: boolean } = {},
): Promise<{ table: MemoryTable; row: MemoryRow } | null> {
  for (const table of ['memories', 'shared_memories'] as const) {
    const params = new SqlParams();
    const visible = visibilityTerms(table, identity, scopes, params);
    if (visible === null) continue;
    const result = await db.query<MemoryRow>(
      `SELECT ${memoryColumns(table)} FROM ${table} m
       WHERE ${visible} AND m.memory_id = ${params.add(id)}::uuid AND m.kind <> 'chunk' AND m.knowledge_base_id IS NULL
         AND ${notExpired(params, now)}
       ${options.forUpdate === true ? 'FOR UPDATE' : ''}`,
      params.values,
    );
    const row = result.rows[0];
    if (row !== undefined) return { table, row };
  }
  return null;
}

/** A page of visible top-level memories, newest first (ids are time-ordered UUIDv7). */
export async function listMemories(
  db: Queryable,
  identity: Identity,
  scopes: readonly Scope[],
  query: ListMemoriesQuery,
  after: string | null,
  limit: number,
  now: Date,
): Promise<MemoryRow[]> {
  const params = new SqlParams();
  const parts: string[] = [];
  for (const table of ['memories', 'shared_memories'] as const) {
    const visible = visibilityTerms(table, identity, scopes, params);
    if (visible === null) continue;
    const terms = [visible, `m.kind <> 'chunk'`, 'm.knowledge_base_id IS NULL', notExpired(params, now), ...commonTerms(query, params)];
    if (after !== null) terms.push(`m.memory_id < ${params.add(after)}::uuid`);
    parts.push(`SELECT ${memoryColumns(table)} FROM ${table} m WHERE ${terms.join(' AND ')} ORDER BY m.memory_id DESC LIMIT ${limit}`);
  }
  if (parts.length === 0) return [];
  const result = await db.query<MemoryRow>(unionOrdered(parts, 'memory_id DESC', limit), params.values);
  return result.rows;
}

/** Filter terms shared by listing and search: type, agent, conversation, metadata, time range. */
export function commonTerms(
  query: Pick<ListMemoriesQuery, 'documentType' | 'agentId' | 'conversationId' | 'filter' | 'createdAfter' | 'createdBefore'>,
  params: SqlParams,
): string[] {
  const terms: string[] = [];
  if (query.documentType !== undefined) terms.push(`m.document_type = ${params.add(query.documentType)}`);
  if (query.agentId !== undefined) terms.push(`m.agent_id = ${params.add(query.agentId)}`);
  if (query.conversationId !== undefined) terms.push(`m.conversation_id = ${params.add(query.conversationId)}`);
  if (query.createdAfter !== undefined) terms.push(`m.created_at > ${params.add(query.createdAfter)}::timestamptz`);
  if (query.createdBefore !== undefined) terms.push(`m.created_at < ${params.add(query.createdBefore)}::timestamptz`);
  terms.push(...compileMetadataFilter(parseMetadataFilter(query.filter), params, 'm.metadata'));
  return terms;
}

/** Previous versions of a memory, newest first. */
export async function listHistory(db: Queryable, table: MemoryTable, row: MemoryRow): Promise<MemoryVersion[]> {
  const owner = table === 'memories' ? 'tenant_id = $2 AND ' : '';
  const params: unknown[] = [row.memory_id];
  if (table === 'memories') params.push(row.tenant_id);
  const result = await db.query<{
    version: number;
    content: string;
    metadata: MemoryVersion['metadata'];
    document_type: string;
    replaced_at: Date | string;
  }>(
    `SELECT version, content, metadata, document_type, replaced_at FROM ${historyTable(table)}
     WHERE ${owner}memory_id = $1::uuid ORDER BY version DESC`,
    params,
  );
  return result.rows.map((version) => ({
    memoryId: row.memory_id,
    version: version.version,
    content: version.content,
    metadata: version.metadata,
    documentType: version.document_type,
    replacedAt: isoTime(version.replaced_at),
  }));
}

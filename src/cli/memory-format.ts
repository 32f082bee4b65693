import type { Memory, MemoryVersion, Page, SearchHit } from '../index.ts';
import { formatPage, formatRecord, formatTable, inlineJson, orDash, shortTime, truncate } from './output.ts';

/** One memory as `key: value` lines, the full content last. */
export function formatMemory(memory: Memory, extra: readonly (readonly [string, string])[] = []): string {
  return formatRecord([
    ['id', memory.id],
    ['scope', memory.scope],
    ['type', memory.documentType],
    ['tenant', orDash(memory.tenantId)],
    ['user', orDash(memory.userId)],
    ['agent', orDash(memory.agentId)],
    ['conversation', orDash(memory.conversationId)],
    ['metadata', inlineJson(memory.metadata)],
    ['version', String(memory.version)],
    ['chunks', String(memory.chunkCount)],
    ['created', memory.createdAt],
    ['updated', memory.updatedAt],
    ['expires', orDash(memory.expiresAt)],
    ...extra,
    ['content', memory.content],
  ]);
}

/** A page of memories as a table. */
export function formatMemoryPage(page: Page<Memory>): string {
  const table = formatTable(
    ['ID', 'SCOPE', 'TYPE', 'CREATED', 'CONTENT'],
    page.items.map((memory) => [memory.id, memory.scope, memory.documentType, shortTime(memory.createdAt), truncate(memory.content)]),
  );
  return formatPage('memories', table, page.items.length, page.nextCursor);
}

/** A memory's previous versions, newest first. */
export function formatHistory(versions: readonly MemoryVersion[]): string {
  if (versions.length === 0) return '(no previous versions)';
  return formatTable(
    ['VERSION', 'TYPE', 'REPLACED', 'CONTENT'],
    versions.map((version) => [String(version.version), version.documentType, shortTime(version.replacedAt), truncate(version.content)]),
  );
}

/** Search hits in rank order with their score and the scope each came from. */
export function formatHits(hits: readonly SearchHit[]): string {
  if (hits.length === 0) return '(no matches)';
  return formatTable(
    ['RANK', 'SCORE', 'SCOPE', 'ID', 'CONTENT'],
    hits.map((hit, index) => [String(index + 1), hit.score.toFixed(4), hit.scope, hit.memoryId, truncate(hit.content)]),
  );
}

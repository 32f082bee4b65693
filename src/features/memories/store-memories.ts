import { StrataError } from '../../core/errors.ts';
import type { Identity } from '../../core/scope.ts';
import type { CreateMemoryResult, Memory } from '../../core/types.ts';
import type { Queryable } from '../../db/database.ts';
import { type MemoryRow, tableForScope, toMemory } from '../../db/memory-tables.ts';
import { type Engine, maybeIndexTenant, type TenantFacts } from '../../kernel/engine.ts';
import { insertUser } from '../../kernel/user-accounts.ts';
import { findByHashes, insertMemories, type PreparedMemory, type WriteContext } from './memory-writes.ts';

/** What a write by `identity` runs with now: the clock, the embedding model, and the tenant's limits as this session read them. */
export function writeContextFor(engine: Engine, identity: Identity): WriteContext {
  return {
    identity,
    now: engine.now(),
    model: engine.embedder.model,
    // Set from this very session's tenant read (inSession), just before the work runs.
    limits: identity.tenantId === undefined ? undefined : engine.tenantLimits.get(identity.tenantId),
  };
}

/** Identical content has one home per scope and owner: this key names it. */
function ownerKey(scope: string, owner: string | null | undefined, hash: string): string {
  return `${scope}\u0000${owner ?? ''}\u0000${hash}`;
}

function preparedKey(memory: PreparedMemory, identity: Identity): string {
  const owner = memory.scope === 'user' ? identity.userId : memory.scope === 'client' ? identity.clientId : null;
  return ownerKey(memory.scope, owner, memory.contentHash);
}

function rowKey(row: MemoryRow): string {
  return ownerKey(row.scope, row.scope === 'user' ? row.user_id : row.client_id, row.content_hash);
}

/**
 * Stores prepared memories in an open session: users and clients they need first, then each
 * table's rows. Content already stored in the same scope comes back as `deduplicated`, as does
 * a repeat within the batch.
 */
export async function storeMemories(
  engine: Engine,
  db: Queryable,
  context: WriteContext,
  tenant: TenantFacts | null,
  prepared: readonly PreparedMemory[],
): Promise<CreateMemoryResult[]> {
  const identity = context.identity;
  if (prepared.some((memory) => memory.scope === 'user') && identity.tenantId !== undefined && identity.userId !== undefined) {
    await insertUser(db, identity.tenantId, tenant, { id: identity.userId }, context.now);
  }
  if (prepared.some((memory) => memory.scope === 'client')) {
    await db.query('INSERT INTO clients (client_id) VALUES ($1) ON CONFLICT (client_id) DO NOTHING', [identity.clientId]);
  }
  const byKey = new Map<string, CreateMemoryResult>();
  for (const table of ['memories', 'shared_memories'] as const) {
    const group = [
      ...new Map(
        prepared.filter((memory) => tableForScope(memory.scope) === table).map((memory) => [preparedKey(memory, identity), memory]),
      ).values(),
    ];
    if (group.length === 0) continue;
    const { inserted, searchableCount } = await insertMemories(db, table, group, context);
    const skipped = group.filter((memory) => !inserted.has(memory.id));
    const existing = new Map(
      (
        await findByHashes(
          db,
          table,
          skipped.map((memory) => memory.contentHash),
          context,
        )
      ).map((row) => [rowKey(row), row]),
    );
    for (const memory of group) {
      const key = preparedKey(memory, identity);
      if (inserted.has(memory.id)) {
        byKey.set(key, { memory: preparedToMemory(memory, identity, context), deduplicated: false });
        continue;
      }
      const row = existing.get(key);
      // ON CONFLICT skipped it, yet it is gone: a concurrent delete won the race.
      if (row === undefined)
        throw new StrataError('conflict', 'content: a concurrent write changed this content; retry', { details: { field: 'content' } });
      byKey.set(key, { memory: toMemory(row, identity.clientId), deduplicated: true });
    }
    if (table === 'memories' && identity.tenantId !== undefined) maybeIndexTenant(engine, identity.tenantId, searchableCount, tenant);
  }
  const firstIds = new Set<string>();
  return prepared.map((memory) => {
    const result = byKey.get(preparedKey(memory, identity));
    if (result === undefined) throw new StrataError('internal', 'a stored memory has no result');
    // A repeat within the batch is the first occurrence's duplicate.
    if (result.deduplicated || !firstIds.has(result.memory.id)) {
      firstIds.add(result.memory.id);
      return result;
    }
    return { memory: result.memory, deduplicated: true };
  });
}

function preparedToMemory(memory: PreparedMemory, identity: Identity, context: WriteContext): Memory {
  const tenantScoped = memory.scope === 'customer' || memory.scope === 'user';
  const now = context.now.toISOString();
  return {
    id: memory.id,
    scope: memory.scope,
    tenantId: tenantScoped ? (identity.tenantId ?? null) : null,
    clientId: memory.scope === 'world' ? null : identity.clientId,
    userId: memory.scope === 'user' ? (identity.userId ?? null) : null,
    documentType: memory.documentType,
    content: memory.content,
    metadata: memory.metadata,
    agentId: memory.agentId,
    conversationId: memory.conversationId,
    source: memory.source,
    chunkCount: memory.chunks.length,
    version: 1,
    embeddingModel: context.model,
    createdAt: now,
    updatedAt: now,
    expiresAt: memory.expiresAt,
  };
}

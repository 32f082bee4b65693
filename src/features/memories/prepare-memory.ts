import { chunkText, contentHash } from '../../core/content.ts';
import { invalidInput } from '../../core/errors.ts';
import type { Scope } from '../../core/scope.ts';
import type { Engine } from '../../kernel/engine.ts';
import type { CreateMemoryInput } from './memories-schemas.ts';
import type { PreparedMemory } from './memory-writes.ts';

/** A create input with its scope decided. */
export interface ScopedInput extends CreateMemoryInput {
  scope: Scope;
}

/**
 * Chunks and embeds memories before any transaction opens: embedding may call a remote
 * model, and a transaction must never wait on the network.
 */
export async function prepareMemories(engine: Engine, inputs: readonly ScopedInput[], batch: boolean): Promise<PreparedMemory[]> {
  const now = engine.now();
  // Validate every expiry before paying for any embedding.
  const expiries = inputs.map((input, index) => expiryOf(input, now, batch ? `items.${index}` : ''));
  const chunked = inputs.map((input) => chunkText(input.content));
  const embeddings = await engine.embedder.embed(chunked.flat(), { purpose: 'document' });
  let offset = 0;
  return inputs.map((input, index) => {
    const pieces = chunked[index] ?? [];
    const chunks = pieces.map((content, chunkIndex) => ({
      id: engine.generateId(),
      content,
      embedding: embeddings[offset + chunkIndex] ?? [],
    }));
    offset += pieces.length;
    return {
      id: engine.generateId(),
      scope: input.scope,
      documentType: input.documentType ?? 'memory',
      content: input.content,
      contentHash: contentHash(input.content),
      metadata: input.metadata ?? {},
      agentId: input.agentId ?? null,
      conversationId: input.conversationId ?? null,
      source: null,
      expiresAt: expiries[index] ?? null,
      chunks,
    };
  });
}

function expiryOf(input: CreateMemoryInput, now: Date, prefix: string): string | null {
  const name = (field: string) => (prefix === '' ? field : `${prefix}.${field}`);
  if (input.expiresAt !== undefined && input.ttlSeconds !== undefined)
    throw invalidInput(name('ttlSeconds'), 'give expiresAt or ttlSeconds, not both');
  if (input.ttlSeconds !== undefined) return new Date(now.getTime() + input.ttlSeconds * 1000).toISOString();
  if (input.expiresAt === undefined) return null;
  const expiresAt = new Date(input.expiresAt);
  if (expiresAt.getTime() <= now.getTime()) throw invalidInput(name('expiresAt'), 'must be in the future');
  return expiresAt.toISOString();
}

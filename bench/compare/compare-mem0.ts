import { mkdtemp, readdir, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startEmbeddingsServer } from '../../src/testing/index.ts';
import type { ComparedSystem } from './compare-system.ts';

/** A result of mem0's `Memory.search`. */
interface Mem0Result {
  memory?: unknown;
  userId?: unknown;
  user_id?: unknown;
  metadata?: Record<string, unknown> | null;
}

interface Mem0Memory {
  add(messages: Array<{ role: string; content: string }>, options: Record<string, unknown>): Promise<unknown>;
  search(query: string, options: Record<string, unknown>): Promise<{ results?: Mem0Result[] }>;
}

interface Mem0Module {
  Memory: new (config: Record<string, unknown>) => Mem0Memory;
}

/**
 * mem0's TypeScript OSS SDK (`mem0ai/oss`): `infer: false`, its local `memory` vector store
 * (SQLite via better-sqlite3) and SQLite history, one user id per tenant. Its embedder is the
 * `openai` provider pointed at a loopback server speaking OpenAI's `/v1/embeddings` wire format
 * that returns the hash embedder's vectors (bit-identical to the precomputed ones); its LLM
 * (unused with `infer: false`) points at a closed loopback port. Telemetry is off.
 */
export async function openMem0System(): Promise<ComparedSystem> {
  // Read when the module loads: set first, so nothing tries to reach mem0's telemetry host.
  process.env.MEM0_TELEMETRY = 'false';
  const { Memory } = (await import(new URL('./alternatives/mem0.mjs', import.meta.url).href)) as Mem0Module;
  const directory = await mkdtemp(join(tmpdir(), 'strata-compare-mem0-'));
  const server = await startEmbeddingsServer({ dimensions: 384 });
  const memory = new Memory({
    version: 'v1.1',
    embedder: { provider: 'openai', config: { apiKey: 'local', baseURL: server.url, model: 'strata-hash-v1', embeddingDims: 384 } },
    vectorStore: { provider: 'memory', config: { collectionName: 'memories', dimension: 384, dbPath: join(directory, 'vector_store.db') } },
    llm: { provider: 'openai', config: { apiKey: 'unused', baseURL: 'http://127.0.0.1:9/v1', model: 'unused' } },
    historyDbPath: join(directory, 'history.db'),
  });
  return {
    name: 'mem0',
    setup:
      "new Memory({ embedder: openai → loopback /v1/embeddings, vectorStore: 'memory' (SQLite), history: SQLite }), " +
      'add(messages, { userId: tenant, infer: false }), search(query, { filters: { user_id }, topK: 10, threshold: 0 })',
    async createTenant() {},
    async ingest(tenantId, texts) {
      await memory.add(
        texts.map((content) => ({ role: 'user', content })),
        { userId: tenantId, infer: false, metadata: { tenant: tenantId } },
      );
    },
    async finishIngest() {},
    async search(tenantId, text) {
      const { results = [] } = await memory.search(text, { filters: { user_id: tenantId }, topK: 10, threshold: 0 });
      return results.map((result) => {
        const owner = result.metadata?.tenant ?? result.userId ?? result.user_id;
        return { tenantId: typeof owner === 'string' ? owner : '(untagged)', content: String(result.memory ?? '') };
      });
    },
    async storageBytes() {
      let total = 0;
      for (const file of await readdir(directory)) total += (await stat(join(directory, file))).size;
      return total;
    },
    async close() {
      await server.close();
      await rm(directory, { recursive: true, force: true });
    },
  };
}

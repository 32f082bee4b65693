import { createLangChainEmbeddings } from './compare-embeddings.ts';
import type { ComparedSystem } from './compare-system.ts';

/** An item as LangGraph's stores return it from `search`. */
interface StoreItem {
  namespace: string[];
  value: { content?: unknown; tenant?: unknown };
}

/** The part of LangGraph's `BaseStore` the bench uses. */
interface LangGraphStore {
  batch(operations: Array<{ namespace: string[]; key: string; value: Record<string, unknown> }>): Promise<unknown>;
  search(namespacePrefix: string[], options: { query: string; limit: number }): Promise<StoreItem[]>;
}

interface LangGraphModule {
  InMemoryStore: new (options: { index: { dims: number; embeddings: unknown; fields: string[] } }) => LangGraphStore;
  PostgresStore: {
    fromConnString(
      url: string,
      options: { index: { dims: number; embed: unknown; fields: string[] } },
    ): LangGraphStore & {
      setup(): Promise<void>;
      stop?(): Promise<void>;
      end?(): Promise<void>;
    };
  };
}

const loadLangGraph = async () => (await import(new URL('./alternatives/langgraph.mjs', import.meta.url).href)) as LangGraphModule;

/** Namespace per tenant: `[tenantId, 'memories']`, searched by exactly that prefix. */
const namespaceOf = (tenantId: string) => [tenantId, 'memories'];

function toHits(items: StoreItem[]) {
  return items.map((item) => ({
    tenantId: typeof item.value.tenant === 'string' ? item.value.tenant : (item.namespace[0] ?? '(none)'),
    content: String(item.value.content ?? ''),
  }));
}

function storeSystem(name: 'langgraph-memory' | 'langgraph-postgres', setup: string, store: LangGraphStore, close: () => Promise<void>) {
  let sequence = 0;
  const system: ComparedSystem = {
    name,
    setup,
    async createTenant() {},
    async ingest(tenantId, texts) {
      const namespace = namespaceOf(tenantId);
      await store.batch(texts.map((content) => ({ namespace, key: `m${sequence++}`, value: { content, tenant: tenantId } })));
    },
    async finishIngest() {},
    async search(tenantId, text) {
      return toHits(await store.search(namespaceOf(tenantId), { query: text, limit: 10 }));
    },
    async storageBytes() {
      return null;
    },
    close,
  };
  return system;
}

/** LangGraph.js `InMemoryStore` with a semantic index over `content` (brute-force cosine in JS). */
export async function openLangGraphMemorySystem(vectors: ReadonlyMap<string, number[]>): Promise<ComparedSystem> {
  const { InMemoryStore } = await loadLangGraph();
  const store = new InMemoryStore({ index: { dims: 384, embeddings: createLangChainEmbeddings(vectors), fields: ['content'] } });
  return storeSystem(
    'langgraph-memory',
    "InMemoryStore({ index: { dims: 384, embeddings, fields: ['content'] } }), batch puts, search([tenant, 'memories'], { query, limit: 10 })",
    store,
    async () => {},
  );
}

/** LangGraph.js `PostgresStore` (its own tables and default HNSW index) in its own database. */
export async function openLangGraphPostgresSystem(databaseUrl: string, vectors: ReadonlyMap<string, number[]>): Promise<ComparedSystem> {
  const { PostgresStore } = await loadLangGraph();
  const store = PostgresStore.fromConnString(databaseUrl, {
    index: { dims: 384, embed: createLangChainEmbeddings(vectors), fields: ['content'] },
  });
  await store.setup();
  return storeSystem(
    'langgraph-postgres',
    "PostgresStore.fromConnString(url, { index: { dims: 384, embed, fields: ['content'] } }) with its defaults " +
      '(one global HNSW index, m 16, ef_construction 200), batch puts, the same search call',
    store,
    async () => {
      await (store.stop?.() ?? store.end?.());
    },
  );
}

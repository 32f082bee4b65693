import { createStrata, type EmbeddingProvider } from '../../src/index.ts';
import type { ComparedSystem } from './compare-system.ts';

/**
 * Strata on server PostgreSQL through its public library API: one `createMany` per batch,
 * `search({ mode: 'vector', limit: 10 })` as the tenant, and `maintenance.buildIndex` for the
 * large tenant (its own partial HNSW index, as the auto-indexer would build it).
 */
export async function openStrataSystem(databaseUrl: string, embedder: EmbeddingProvider): Promise<ComparedSystem> {
  const strata = await createStrata({ databaseUrl, poolSize: 4, embedder, autoIndex: false });
  return {
    name: 'strata',
    setup:
      'createStrata({ databaseUrl, poolSize: 4 }), memories.createMany (customer scope), search mode vector; ' +
      'small tenants exact scan, the large one its own HNSW index (m 16, ef_construction 64) from maintenance.buildIndex',
    async createTenant(tenantId) {
      await strata.tenants.create({ id: tenantId });
    },
    async ingest(tenantId, texts) {
      await strata.as({ tenantId }).memories.createMany(texts.map((content) => ({ content, metadata: { tenant: tenantId } })));
    },
    async finishIngest(largeTenantId) {
      await strata.maintenance.buildIndex(largeTenantId);
    },
    async search(tenantId, text) {
      const { hits } = await strata.as({ tenantId }).search({ query: text, mode: 'vector', limit: 10 });
      return hits.map((hit) => {
        const tag = (hit.metadata as Record<string, unknown> | undefined)?.tenant;
        return { tenantId: typeof tag === 'string' ? tag : '(untagged)', content: hit.content };
      });
    },
    async storageBytes() {
      return null;
    },
    async close() {
      await strata.close();
    },
  };
}

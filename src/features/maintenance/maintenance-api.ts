import { parseOpaqueId } from '../../core/ids.ts';
import { parseInput } from '../../core/schemas.ts';
import type { Queryable, SessionSettings } from '../../db/database.ts';
import { toStrataError } from '../../db/database-errors.ts';
import { SqlParams } from '../../db/sql-params.ts';
import { buildTenantIndex, dropTenantIndex } from '../../db/vector-indexes.ts';
import type { CallerContext } from '../../kernel/caller.ts';
import { recordModel } from '../../kernel/embedding-model.ts';
import type { Engine } from '../../kernel/engine.ts';
import { reembedOptionsSchema } from './maintenance-schemas.ts';

/** What a re-embed rewrote. */
export interface ReembedReport {
  model: string;
  tenants: number;
  rows: number;
}

/** Operator tasks: re-embedding with a new model and building tenants' vector indexes. */
export interface MaintenanceApi {
  /**
   * Re-embeds every stored row with the configured model, tenant by tenant in batches, then
   * records the model. Resumable: rows already on the new model are skipped.
   */
  reembed(options?: { batchSize?: number; onProgress?: (done: number) => void }): Promise<ReembedReport>;
  /** Builds (or rebuilds) one tenant's own HNSW index now. */
  buildIndex(tenantId: string): Promise<{ tenantId: string; index: string }>;
  /** Builds indexes for every tenant at or above the threshold that lacks one; returns their ids. */
  indexLargeTenants(): Promise<string[]>;
}

/** Builds the maintenance API (operator only: permission maintenance.run, checked by the governed pipeline). */
export function createMaintenanceApi(engine: Engine, _bound: CallerContext | undefined): MaintenanceApi {
  const run = async <T>(settings: SessionSettings, work: (db: Queryable) => Promise<T>) => {
    try {
      return await engine.database.withSession(settings, work);
    } catch (error) {
      throw toStrataError(error);
    }
  };
  const tenantIds = async () => {
    const ids = await run({ role: 'platform' }, async (db) => {
      const result = await db.query<{ tenant_id: string }>('SELECT tenant_id FROM tenants ORDER BY tenant_id');
      return result.rows.map((row) => row.tenant_id);
    });
    const facts = [];
    // One session per tenant: its counters are only visible under its own context.
    for (const tenantId of ids) {
      facts.push(
        await run({ role: 'system', tenantId }, async (db) => {
          const result = await db.query<{ searchable: string; indexed_model: string | null }>(
            `SELECT u.searchable_count::text AS searchable,
               (SELECT embedding_model FROM tenant_vector_indexes i WHERE i.tenant_id = u.tenant_id) AS indexed_model
             FROM tenant_usage u WHERE u.tenant_id = $1`,
            [tenantId],
          );
          return { tenantId, searchable: Number(result.rows[0]?.searchable ?? 0), indexedModel: result.rows[0]?.indexed_model ?? null };
        }),
      );
    }
    return facts;
  };

  /** Re-embeds the rows one session can see, batch by batch, until none is left on another model. */
  async function reembedRows(
    settings: SessionSettings,
    table: 'memories' | 'shared_memories',
    batchSize: number,
    progress: (count: number) => void,
  ) {
    const model = engine.embedder.model;
    const owner = table === 'memories' ? 'tenant_id = $3 AND ' : '';
    const ownerParams = table === 'memories' ? [settings.tenantId] : [];
    let total = 0;
    for (;;) {
      const batch = await run(settings, async (db) => {
        const result = await db.query<{ memory_id: string; content: string; kind: string }>(
          `SELECT memory_id::text AS memory_id, content, kind FROM ${table}
           WHERE ${owner}embedding_model <> $1 ORDER BY memory_id LIMIT $2`,
          [model, batchSize, ...ownerParams],
        );
        return result.rows;
      });
      if (batch.length === 0) return total;
      const searchable = batch.filter((row) => row.kind !== 'document');
      const vectors = await engine.embedder.embed(
        searchable.map((row) => row.content),
        { purpose: 'document' },
      );
      const params = new SqlParams();
      const vectorTexts = batch.map((row) => {
        const index = searchable.indexOf(row);
        return index < 0 ? null : JSON.stringify(vectors[index]);
      });
      const tenantTerm = table === 'memories' ? `m.tenant_id = ${params.add(settings.tenantId)} AND ` : '';
      const sql = `UPDATE ${table} m SET embedding = x.embedding::vector, embedding_model = ${params.add(model)}
        FROM unnest(${params.add(batch.map((row) => row.memory_id))}::uuid[], ${params.add(vectorTexts)}::text[]) AS x(memory_id, embedding)
        WHERE ${tenantTerm}m.memory_id = x.memory_id`;
      await run(settings, (db) => db.query(sql, params.values));
      total += batch.length;
      progress(batch.length);
    }
  }

  return {
    async reembed(options = {}) {
      const { onProgress, ...rest } = options;
      const batchSize = parseInput(reembedOptionsSchema, rest).batchSize ?? 256;
      let done = 0;
      const progress = (count: number) => {
        done += count;
        onProgress?.(done);
      };
      const tenants = await tenantIds();
      for (const tenant of tenants) {
        // The old index is over the old model's vectors (maybe another dimension): drop it first.
        if (tenant.indexedModel !== null) {
          await dropTenantIndex(engine.database, tenant.tenantId);
          await run({ role: 'system', tenantId: tenant.tenantId }, (db) =>
            db.query('DELETE FROM tenant_vector_indexes WHERE tenant_id = $1', [tenant.tenantId]),
          );
        }
        await reembedRows({ role: 'platform', tenantId: tenant.tenantId, allUsers: true }, 'memories', batchSize, progress);
      }
      await reembedRows({ role: 'platform' }, 'shared_memories', batchSize, progress);
      await recordModel(engine.database, engine.embedder);
      return { model: engine.embedder.model, tenants: tenants.length, rows: done };
    },

    async buildIndex(tenantId) {
      const id = parseOpaqueId('tenantId', tenantId);
      const index = await buildTenantIndex(engine.database, id, engine.embedder.dimensions, engine.embedder.model).catch(
        (error: unknown) => {
          throw toStrataError(error);
        },
      );
      return { tenantId: id, index };
    },

    async indexLargeTenants() {
      const built: string[] = [];
      for (const tenant of await tenantIds()) {
        if (tenant.searchable < engine.vectorIndexThreshold || tenant.indexedModel === engine.embedder.model) continue;
        await buildTenantIndex(engine.database, tenant.tenantId, engine.embedder.dimensions, engine.embedder.model);
        built.push(tenant.tenantId);
      }
      return built;
    },
  };
}

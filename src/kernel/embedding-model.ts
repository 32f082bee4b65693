import { StrataError } from '../core/errors.ts';
import type { Database } from '../db/database.ts';
import type { EmbeddingProvider } from '../models/embedding-provider.ts';

/** The embedding model a store was built with, as recorded in `strata_meta`. */
export interface StoredModel {
  model: string;
  dimensions: number;
}

/** Reads the recorded model, if any. */
export async function readStoredModel(database: Database): Promise<StoredModel | null> {
  return database.asOwner(async (db) => {
    const result = await db.query<{ value: StoredModel }>(`SELECT value FROM strata_meta WHERE key = 'embedding'`);
    return result.rows[0]?.value ?? null;
  });
}

/** Records `embedder` as the store's model. */
export async function recordModel(database: Database, embedder: EmbeddingProvider): Promise<void> {
  await database.asOwner((db) =>
    db.query(
      `INSERT INTO strata_meta (key, value) VALUES ('embedding', $1::jsonb) ON CONFLICT (key) DO UPDATE SET value = EXCLUDED.value`,
      [JSON.stringify({ model: embedder.model, dimensions: embedder.dimensions })],
    ),
  );
}

/**
 * A store's vectors are only comparable with vectors from the same model: opening with
 * another model is `model_mismatch` until `strata re-embed` has rewritten every row.
 */
export async function checkEmbeddingModel(database: Database, embedder: EmbeddingProvider, allowChange: boolean): Promise<void> {
  const stored = await readStoredModel(database);
  if (stored === null) {
    await recordModel(database, embedder);
    return;
  }
  if (stored.model === embedder.model || allowChange) return;
  throw new StrataError(
    'model_mismatch',
    `embedding model ${embedder.model} differs from the store's ${stored.model}; run \`strata re-embed\` to switch`,
    { details: { configured: embedder.model, stored: stored.model } },
  );
}

import type { BenchBackend } from '../lib/backend.ts';

/** On-disk size of the memories table, its TOAST table and its indexes, in MiB. */
export interface StorageSizes {
  heapMiB: number;
  toastMiB: number;
  indexesMiB: Record<string, number>;
  databaseMiB: number;
}

const mebibytes = (value: unknown) => Math.round((Number(value) / 2 ** 20) * 10) / 10;

/** Reads sizes as the owner; per-tenant HNSW indexes are summed into one entry. */
export async function readStorageSizes(backend: BenchBackend): Promise<StorageSizes> {
  const [tables, indexes, database] = await backend.owner([
    `SELECT pg_relation_size('memories') AS heap, pg_relation_size(reltoastrelid) AS toast FROM pg_class WHERE relname = 'memories'`,
    `SELECT indexrelid::regclass::text AS name, pg_relation_size(indexrelid) AS bytes FROM pg_index WHERE indrelid = 'memories'::regclass`,
    'SELECT pg_database_size(current_database()) AS bytes',
  ]);
  const indexesMiB: Record<string, number> = {};
  let hnswBytes = 0;
  let hnswCount = 0;
  for (const row of indexes ?? []) {
    const name = String(row.name);
    if (name.startsWith('memories_hnsw_')) {
      hnswBytes += Number(row.bytes);
      hnswCount += 1;
    } else indexesMiB[name] = mebibytes(row.bytes);
  }
  if (hnswCount > 0) indexesMiB[`${hnswCount} tenant HNSW indexes`] = mebibytes(hnswBytes);
  return {
    heapMiB: mebibytes(tables?.[0]?.heap),
    toastMiB: mebibytes(tables?.[0]?.toast),
    indexesMiB,
    databaseMiB: mebibytes(database?.[0]?.bytes),
  };
}

import type { Queryable } from '../../db/database.ts';
import type { DocumentTypeStats } from './stats-schemas.ts';

interface TypeRow {
  document_type: string;
  scope: 'customer' | 'user';
  items: number;
  documents: number;
  chunks: number;
  bytes: number;
}

/** Counts by document type and scope, one pass over the tenant's rows (its primary-key prefix), unexpired only. */
export async function readTypeCounts(db: Queryable, tenantId: string, now: Date): Promise<TypeRow[]> {
  const result = await db.query<TypeRow>(
    `SELECT document_type, scope,
            count(*) FILTER (WHERE kind <> 'chunk')::float8 AS items,
            count(*) FILTER (WHERE kind = 'document')::float8 AS documents,
            count(*) FILTER (WHERE kind = 'chunk')::float8 AS chunks,
            coalesce(sum(octet_length(content)) FILTER (WHERE kind <> 'chunk'), 0)::float8 AS bytes
       FROM memories
      WHERE tenant_id = $1 AND (expires_at IS NULL OR expires_at > $2)
      GROUP BY document_type, scope
      ORDER BY document_type, scope`,
    [tenantId, now.toISOString()],
  );
  return result.rows;
}

/** The tenant's counters: the storage and users its quotas are held to. */
export async function readCounters(db: Queryable, tenantId: string): Promise<{ storageBytes: number; users: number }> {
  const result = await db.query<{ content_bytes: number; user_count: number }>(
    'SELECT content_bytes::float8 AS content_bytes, user_count::float8 AS user_count FROM tenant_usage WHERE tenant_id = $1',
    [tenantId],
  );
  const row = result.rows[0];
  return { storageBytes: Number(row?.content_bytes ?? 0), users: Number(row?.user_count ?? 0) };
}

/** Folds the per-(type, scope) rows into per-type totals. */
export function byDocumentType(rows: readonly TypeRow[]): DocumentTypeStats[] {
  const totals = new Map<string, DocumentTypeStats>();
  for (const row of rows) {
    const entry = totals.get(row.document_type) ?? { documentType: row.document_type, items: 0, documents: 0, chunks: 0, bytes: 0 };
    entry.items += Number(row.items);
    entry.documents += Number(row.documents);
    entry.chunks += Number(row.chunks);
    entry.bytes += Number(row.bytes);
    totals.set(row.document_type, entry);
  }
  return [...totals.values()];
}

import type { Queryable } from './database.ts';

/**
 * Every table in the current schema with a `tenant_id` column, children before parents (by
 * foreign keys), read from the catalog: a table added later is purged without anyone
 * remembering to list it.
 */
export async function tenantTablesChildrenFirst(db: Queryable): Promise<string[]> {
  const tables = await db.query<{ name: string }>(
    `SELECT c.relname AS name FROM pg_class c
       JOIN pg_namespace n ON n.oid = c.relnamespace
       JOIN pg_attribute a ON a.attrelid = c.oid AND a.attname = 'tenant_id' AND NOT a.attisdropped
     WHERE n.nspname = current_schema() AND c.relkind IN ('r', 'p') ORDER BY c.relname`,
  );
  const edges = await db.query<{ child: string; parent: string }>(
    `SELECT child.relname AS child, parent.relname AS parent FROM pg_constraint k
       JOIN pg_class child ON child.oid = k.conrelid
       JOIN pg_class parent ON parent.oid = k.confrelid
       JOIN pg_namespace n ON n.oid = child.relnamespace
     WHERE k.contype = 'f' AND n.nspname = current_schema() AND k.conrelid <> k.confrelid`,
  );
  const names = tables.rows.map((row) => row.name);
  const parentsOf = new Map(names.map((name) => [name, new Set<string>()]));
  for (const edge of edges.rows) parentsOf.get(edge.child)?.add(edge.parent);
  // Reverse topological order: a table comes out only after every table referencing it.
  const ordered: string[] = [];
  const remaining = new Set(names);
  while (remaining.size > 0) {
    const next = [...remaining].find((name) => [...remaining].every((other) => other === name || !parentsOf.get(other)?.has(name)));
    if (next === undefined) throw new Error(`foreign-key cycle among tenant tables: ${[...remaining].join(', ')}`);
    ordered.push(next);
    remaining.delete(next);
  }
  return ordered;
}

/**
 * The tenant tables whose rows can belong to one user (they have a `user_id` column), from the
 * catalog: a user's erasure finds a table added later without anyone listing it.
 */
export async function userOwnedTables(db: Queryable): Promise<string[]> {
  const tables = await db.query<{ name: string }>(
    `SELECT c.relname AS name FROM pg_class c
       JOIN pg_namespace n ON n.oid = c.relnamespace
     WHERE n.nspname = current_schema() AND c.relkind IN ('r', 'p')
       AND EXISTS (SELECT 1 FROM pg_attribute a WHERE a.attrelid = c.oid AND a.attname = 'tenant_id' AND NOT a.attisdropped)
       AND EXISTS (SELECT 1 FROM pg_attribute a WHERE a.attrelid = c.oid AND a.attname = 'user_id' AND NOT a.attisdropped)
     ORDER BY c.relname`,
  );
  return tables.rows.map((row) => row.name);
}

/**
 * Deletes every row of `tenantId` from each table in order; returns rows removed per table.
 * The audit log is append-only for the application role: its rows go through the one function
 * allowed to remove them, which requires the tenant to be marked `offboarding`.
 */
export async function purgeTenantRows(db: Queryable, tables: readonly string[], tenantId: string): Promise<Record<string, number>> {
  const counts: Record<string, number> = {};
  if (tables.includes('audit_log')) {
    const audit = await db.query<{ removed: string }>('SELECT strata_purge_audit_log($1)::text AS removed', [tenantId]);
    counts.audit_log = Number(audit.rows[0]?.removed ?? 0);
  }
  for (const table of tables) {
    if (table === 'audit_log') continue;
    const result = await db.query(`DELETE FROM ${table} WHERE tenant_id = $1`, [tenantId]);
    counts[table] = result.affectedRows;
  }
  return counts;
}

import { PGlite } from '@electric-sql/pglite';
import { btree_gin } from '@electric-sql/pglite/contrib/btree_gin';
import { vector } from '@electric-sql/pglite-pgvector';
import type { Database, Queryable, QueryResult } from './database.ts';
import { lockDirectory } from './dir-lock.ts';
import { sessionSetupSql } from './session-settings.ts';

/** Options for {@link openPgliteDatabase}. */
export interface PgliteDatabaseOptions {
  /** Data directory on disk; omit for an in-memory database (tests, throwaway stores). */
  dataDir?: string;
  /** A `dumpDataDir()` tarball to start from (test fixtures). */
  loadDataDir?: Blob;
  /** Role every session transaction runs as. */
  appRole: string;
  /** Per-statement time limit inside session transactions. */
  statementTimeoutMs: number;
  /** PostgreSQL `shared_buffers` in MiB. Default {@link defaultPgliteSharedBuffersMb}. */
  sharedBuffersMb?: number;
}

/**
 * PGlite's own default is PostgreSQL's 128 MB, all of it resident once the WASM heap is set up.
 * 32 MB keeps an idle embedded server about 100 MB smaller; pages beyond it come from the
 * operating system's file cache (bench/results/startup.md has the figures).
 */
export const defaultPgliteSharedBuffersMb = 32;

/**
 * Opens PGlite (PostgreSQL compiled to WASM) with pgvector and btree_gin. A data directory is
 * locked for this process until `close()`.
 */
export async function openPgliteDatabase(options: PgliteDatabaseOptions): Promise<Database & { pglite: PGlite }> {
  const lock = options.dataDir === undefined ? null : lockDirectory(options.dataDir);
  let pglite: PGlite;
  try {
    pglite = await PGlite.create({
      ...(options.dataDir === undefined ? {} : { dataDir: options.dataDir }),
      ...(options.loadDataDir === undefined ? {} : { loadDataDir: options.loadDataDir }),
      extensions: { vector, btree_gin },
      startParams: [...PGlite.defaultStartParams, '-c', `shared_buffers=${options.sharedBuffersMb ?? defaultPgliteSharedBuffersMb}MB`],
    });
  } catch (error) {
    lock?.release();
    throw error;
  }
  const run = (target: Pick<PGlite, 'query' | 'exec'>): Queryable => ({
    async exec(sql: string) {
      await target.exec(sql);
    },
    async query<Row>(sql: string, params: readonly unknown[] = []): Promise<QueryResult<Row>> {
      const result = await target.query<Row>(sql, params as unknown[]);
      return { rows: result.rows, affectedRows: result.affectedRows ?? 0 };
    },
  });
  return {
    kind: 'pglite',
    pglite,
    withSession: (settings, work, prelude) =>
      pglite.transaction(async (transaction) => {
        const setup = sessionSetupSql(options.appRole, settings, options.statementTimeoutMs);
        const results = await transaction.exec(prelude === undefined ? setup : `${setup}; ${prelude}`);
        return work(run(transaction), prelude === undefined ? [] : ((results.at(-1)?.rows ?? []) as Record<string, unknown>[]));
      }),
    asOwner: (work) => pglite.transaction((transaction) => work(run(transaction))),
    ownerStatements: async (statements) => {
      for (const statement of statements) await pglite.exec(statement);
    },
    close: async () => {
      try {
        await pglite.close();
      } finally {
        lock?.release();
      }
    },
  };
}

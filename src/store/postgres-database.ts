import pg from 'pg';
import { type Database, type Queryable, type QueryResult, sessionSetupSql } from './database.ts';

/** Options for {@link openPostgresDatabase}. */
export interface PostgresDatabaseOptions {
  /** `postgres://user:password@host:port/database`. */
  connectionString: string;
  /** Role every session transaction runs as. */
  appRole: string;
  /** Per-statement time limit inside session transactions. */
  statementTimeoutMs: number;
  /** Pool size. */
  maxConnections: number;
}

/** Connects a pool to a PostgreSQL 15+ server with pgvector. */
export async function openPostgresDatabase(options: PostgresDatabaseOptions): Promise<Database> {
  const pool = new pg.Pool({ connectionString: options.connectionString, max: options.maxConnections });
  // An idle client that loses its server (restart, network) must not crash the process.
  pool.on('error', () => {});
  const run = (client: pg.PoolClient): Queryable => ({
    async exec(sql: string) {
      await client.query(sql);
    },
    async query<Row>(sql: string, params: readonly unknown[] = []): Promise<QueryResult<Row>> {
      const result = await client.query(sql, params as unknown[]);
      return { rows: result.rows as Row[], affectedRows: result.rowCount ?? 0 };
    },
  });
  const transaction = async <T>(begin: string, work: (db: Queryable) => Promise<T>): Promise<T> => {
    const client = await pool.connect();
    try {
      await client.query(begin);
      const result = await work(run(client));
      await client.query('COMMIT');
      client.release();
      return result;
    } catch (error) {
      // A connection that cannot roll back cleanly is discarded, never reused.
      await client.query('ROLLBACK').then(
        () => client.release(),
        (rollbackError: Error) => client.release(rollbackError),
      );
      throw error;
    }
  };
  try {
    await pool.query('SELECT 1');
  } catch (error) {
    await pool.end();
    throw error;
  }
  return {
    kind: 'postgres',
    withSession: (settings, work) => transaction(`BEGIN; ${sessionSetupSql(options.appRole, settings, options.statementTimeoutMs)}`, work),
    asOwner: (work) => transaction('BEGIN', work),
    ownerStatements: async (statements) => {
      const client = await pool.connect();
      try {
        for (const statement of statements) await client.query(statement);
        // Session settings made here must not leak to the next borrower of this connection.
        await client.query('RESET ALL');
        client.release();
      } catch (error) {
        client.release(error as Error);
        throw error;
      }
    },
    close: () => pool.end(),
  };
}

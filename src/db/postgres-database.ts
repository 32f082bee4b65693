import pg from 'pg';
import { StrataError } from '../core/errors.ts';
import type { Database, Queryable, QueryResult } from './database.ts';
import { sessionSetupSql } from './session-settings.ts';

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
  /**
   * Borrows a client. A connection lost while it is borrowed (server restart, failover, a
   * terminated backend) is an 'error' event on the client: it is recorded here instead of
   * crashing the process, and the client is destroyed on release instead of being reused.
   */
  const borrow = async () => {
    const client = await pool.connect();
    let lost: Error | undefined;
    const onError = (error: Error) => {
      lost = error;
    };
    client.on('error', onError);
    return {
      client,
      lost: () => lost,
      release(error?: Error) {
        client.off('error', onError);
        client.release(error ?? lost);
      },
    };
  };
  // The driver's error for a dropped connection has no SQLSTATE; the 'error' event says what it was.
  const connectionLost = (cause: unknown) => new StrataError('unavailable', 'the database connection was lost; retry', { cause });

  const transaction = async <T>(begin: string, work: (db: Queryable, prelude: Record<string, unknown>[]) => Promise<T>): Promise<T> => {
    const borrowed = await borrow();
    try {
      // Several statements in one simple query come back as one result each; the last is the prelude's.
      const started = (await borrowed.client.query(begin)) as unknown as pg.QueryResult | pg.QueryResult[];
      const preludeRows = Array.isArray(started) && started.length > 2 ? (started.at(-1)?.rows ?? []) : [];
      const result = await work(run(borrowed.client), preludeRows);
      await borrowed.client.query('COMMIT');
      borrowed.release();
      return result;
    } catch (error) {
      if (borrowed.lost() !== undefined) {
        borrowed.release();
        throw connectionLost(error);
      }
      // A connection that cannot roll back cleanly is discarded, never reused.
      await borrowed.client.query('ROLLBACK').then(
        () => borrowed.release(),
        (rollbackError: Error) => borrowed.release(rollbackError),
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
    withSession: (settings, work, prelude) =>
      transaction(
        `BEGIN; ${sessionSetupSql(options.appRole, settings, options.statementTimeoutMs)}${prelude === undefined ? '' : `; ${prelude}`}`,
        work,
      ),
    asOwner: (work) => transaction('BEGIN', work),
    ownerStatements: async (statements) => {
      const borrowed = await borrow();
      try {
        for (const statement of statements) await borrowed.client.query(statement);
        // Session settings made here must not leak to the next borrower of this connection.
        await borrowed.client.query('RESET ALL');
        borrowed.release();
      } catch (error) {
        const lost = borrowed.lost() !== undefined;
        borrowed.release(error as Error);
        throw lost ? connectionLost(error) : error;
      }
    },
    close: () => pool.end(),
  };
}

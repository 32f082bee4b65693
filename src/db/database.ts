/** Rows and the number of rows a statement touched. */
export interface QueryResult<Row> {
  rows: Row[];
  affectedRows: number;
}

/** Something that runs parameterised SQL: a transaction on either back end. */
export interface Queryable {
  query<Row = Record<string, unknown>>(sql: string, params?: readonly unknown[]): Promise<QueryResult<Row>>;
  /** Runs a script of several statements without parameters (migrations). */
  exec(sql: string): Promise<void>;
}

/**
 * Transaction-local settings that row-level security policies read. They are set with
 * `set_config(..., true)`, so they vanish at COMMIT or ROLLBACK and a pooled connection
 * never carries one caller's tenant into the next transaction.
 */
export interface SessionSettings {
  /** Caller role (`platform`, `client_admin`, `admin`, `member`, `reader`) or `system`. */
  role: string;
  clientId?: string;
  tenantId?: string;
  userId?: string;
  /** Lets a customer admin touch every user's rows (erasure, tenant purge, re-embed). */
  allUsers?: boolean;
  /** The hash of the API key being authenticated: the only key row such a session can read. */
  keyHash?: string;
}

/** The storage back end: PGlite in-process or a PostgreSQL server. Same SQL on both. */
export interface Database {
  readonly kind: 'pglite' | 'postgres';
  /**
   * Runs `work` in one transaction as the application role, with `settings` applied. A
   * `prelude` (one parameterless statement, literals quoted with {@link quoteLiteral}) runs in
   * the same round trip as the setup; its rows are handed to `work`.
   */
  withSession<T>(
    settings: SessionSettings,
    work: (db: Queryable, prelude: Record<string, unknown>[]) => Promise<T>,
    prelude?: string,
  ): Promise<T>;
  /**
   * Runs `work` in one transaction as the connecting (owner) role: migrations and index
   * builds only; never with caller-supplied SQL.
   */
  asOwner<T>(work: (db: Queryable) => Promise<T>): Promise<T>;
  /**
   * Runs statements one by one on one connection, outside any transaction, as the owner
   * (e.g. a session SET followed by CREATE INDEX CONCURRENTLY).
   */
  ownerStatements(statements: readonly string[]): Promise<void>;
  close(): Promise<void>;
}

/** Quotes a string as a SQL literal (standard_conforming_strings is on in every supported server). */
export function quoteLiteral(value: string): string {
  if (value.includes('\u0000')) throw new Error('SQL literal cannot contain NUL');
  return `'${value.replaceAll("'", "''")}'`;
}

/** Quotes an identifier. */
export function quoteIdentifier(value: string): string {
  return `"${value.replaceAll('"', '""')}"`;
}

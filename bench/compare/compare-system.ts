/**
 * The one interface every compared system is driven through, so the measuring code is the
 * same for all of them.
 */

/** The names `--systems` accepts, in the order they run. */
export const systemNames = ['strata', 'pgvector', 'langgraph-postgres', 'langgraph-memory', 'mem0'] as const;

/** One compared system's name. */
export type SystemName = (typeof systemNames)[number];

/** One search hit, reduced to what the bench checks: whose it is and what it says. */
export interface ComparedHit {
  /** The tenant the system says the hit belongs to (its tag, column, namespace or user id). */
  tenantId: string;
  content: string;
}

/** A system under measurement, opened on a fresh store. */
export interface ComparedSystem {
  readonly name: SystemName;
  /** One line on how the system is set up (store, index, search path), for the report. */
  readonly setup: string;
  /** Creates the tenant if the system has such a thing (its time is not counted as ingest). */
  createTenant(tenantId: string): Promise<void>;
  /** Stores one batch of one tenant's texts (at most 500). */
  ingest(tenantId: string, texts: readonly string[]): Promise<void>;
  /** Work after loading that search depends on (index builds, ANALYZE); timed separately. */
  finishIngest(largeTenantId: string): Promise<void>;
  /** Top-10 nearest memories of the tenant for the query text (`vector` is its precomputed embedding). */
  search(tenantId: string, text: string, vector: readonly number[]): Promise<ComparedHit[]>;
  /** The query plan of one search, for systems whose plan the report should show. */
  describePlan?(tenantId: string, vector: readonly number[]): Promise<string>;
  /** Bytes the system keeps on disk or in the database, when it can say. */
  storageBytes(): Promise<number | null>;
  close(): Promise<void>;
}

/** Why a system could not be measured, in the words the report prints. */
export class SystemUnavailableError extends Error {
  override readonly name = 'SystemUnavailableError';
}

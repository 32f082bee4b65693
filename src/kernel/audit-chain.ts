import { createHash } from 'node:crypto';
import { notFound } from '../core/errors.ts';
import type { Queryable } from '../db/database.ts';

/** One audit entry as written: who did what to which ids, and how it ended. Never content or secrets. */
export interface AuditEntry {
  /** The tenant whose chain this entry extends; absent for the platform chain. */
  tenantId?: string;
  at: string;
  actorRole: string;
  actorClient: string | null;
  actorUser: string | null;
  keyId: string | null;
  /** The operation, e.g. `memories.create`. */
  action: string;
  targetIds: string[];
  outcome: 'ok' | 'error';
  errorCode: string | null;
  requestId: string | null;
}

/** A stored entry: the entry plus its place in the chain. */
export interface AuditRecord extends AuditEntry {
  seq: number;
  prevHash: string;
  hash: string;
}

/**
 * The text an entry's hash covers. Every field is in it, in a fixed order, so editing any
 * stored column changes the hash the verifier computes.
 */
export function auditPayload(entry: AuditEntry): string {
  return JSON.stringify([entry.tenantId ?? null, ...entryFields(entry)]);
}

// The entry's fields after its tenant, in the payload's order (also the order strata_record_call takes them).
const entryFields = (entry: AuditEntry) => [
  entry.at,
  entry.actorRole,
  entry.actorClient,
  entry.actorUser,
  entry.keyId,
  entry.action,
  entry.targetIds,
  entry.outcome,
  entry.errorCode,
  entry.requestId,
];

/** hash(n) = SHA-256 over hash(n-1), the sequence number and the payload, newline separated. */
export function chainHash(prevHash: string, seq: number, payload: string): string {
  return createHash('sha256').update(`${prevHash}\n${seq}\n${payload}`, 'utf8').digest('hex');
}

const recordCall = `strata_record_call($1::text, $2, $3::timestamptz, $4, $5, $6, $7, $8, $9::text[], $10, $11, $12, $13::date, $14, $15)`;

const callParams = (entry: AuditEntry, day: string | null, calls: number, tokens: number) => [
  entry.tenantId ?? null,
  auditPayload(entry),
  ...entryFields(entry),
  day,
  calls,
  tokens,
];

/**
 * A tenant's month on its meter row: API calls, tokens (embedding and LLM: what
 * `tokensPerMonth` counts), and the LLM share of those tokens with its estimated cost.
 */
export interface MonthReading {
  monthCalls: number;
  monthTokens: number;
  monthLlmInputTokens: number;
  monthLlmOutputTokens: number;
  /** The LLM tokens' estimated cost, at the prices in force when each call was recorded. */
  monthLlmCost: number;
}

/** What appending a tenant entry also counted: the tenant's calls today, and its month, after this call. */
export interface MeterReading extends MonthReading {
  dayCalls: number;
}

/** The month's counters as `strata_record_call` and `strata_record_model_usage` return them. */
export interface MonthRow {
  month_calls: string;
  month_tokens: string;
  month_llm_input_tokens: string;
  month_llm_output_tokens: string;
  month_llm_cost: number;
}

/** The columns of a {@link MonthRow}, cast so that bigints come back exact as text. */
export const monthColumns =
  'month_calls::text, month_tokens::text, month_llm_input_tokens::text, month_llm_output_tokens::text, month_llm_cost';

/** A {@link MonthRow} as numbers. */
export function toMonthReading(row: MonthRow): MonthReading {
  return {
    monthCalls: Number(row.month_calls),
    monthTokens: Number(row.month_tokens),
    monthLlmInputTokens: Number(row.month_llm_input_tokens),
    monthLlmOutputTokens: Number(row.month_llm_output_tokens),
    monthLlmCost: Number(row.month_llm_cost),
  };
}

/**
 * Usage one tenant operation adds to the meter and to the daily breakdown. LLM tokens are not
 * here: they are recorded per model call, with their input/output split, by `recordModelUsage`.
 */
export interface MeterDelta {
  day: string;
  operation: string;
  model: string;
  calls: number;
  errors: number;
  embeddingTokens: number;
}

/**
 * Appends `entry` to its tenant's chain and meters the call, in one statement, inside the
 * caller's transaction. The database function `strata_record_call` advances the chain head
 * (its row lock orders the chain and makes the counters it returns exact: a quota check that
 * fails rolls the whole operation back) and computes the hash; the application role cannot
 * write the log or a head any other way. `not_found` when the tenant is gone.
 */
export async function appendTenantEntry(db: Queryable, entry: AuditEntry & { tenantId: string }, delta: MeterDelta): Promise<MeterReading> {
  const result = await db.query<MonthRow & { day_calls: string }>(
    `WITH head AS (SELECT * FROM ${recordCall}), metered AS (
       INSERT INTO usage_daily (tenant_id, day, operation, model, calls, errors, embedding_tokens)
       SELECT $1, $13::date, $8, $16, $14, $17, $18 FROM head
       ON CONFLICT (tenant_id, day, operation, model) DO UPDATE SET calls = usage_daily.calls + EXCLUDED.calls,
         errors = usage_daily.errors + EXCLUDED.errors, embedding_tokens = usage_daily.embedding_tokens + EXCLUDED.embedding_tokens
     )
     SELECT day_calls::text, ${monthColumns} FROM head`,
    [...callParams(entry, delta.day, delta.calls, delta.embeddingTokens), delta.model, delta.errors, delta.embeddingTokens],
  );
  const row = result.rows[0];
  if (row === undefined) throw notFound('tenant', entry.tenantId);
  return { dayCalls: Number(row.day_calls), ...toMonthReading(row) };
}

/** Appends `entry` to the platform chain (operator and client-admin actions, offboarding tombstones). */
export async function appendPlatformEntry(db: Queryable, entry: AuditEntry): Promise<void> {
  await db.query(`SELECT 1 FROM ${recordCall}`, callParams({ ...entry, tenantId: undefined }, null, 0, 0));
}

/** Where a chain first breaks, if it does. */
export interface ChainBreak {
  seq: number;
  reason: 'gap' | 'previous_hash' | 'hash';
  detail: string;
}

/**
 * Checks records (in seq order, from the first) against each other: sequence numbers run
 * 1, 2, 3 ... with no gap, each names its predecessor's hash, and each hash is what its own
 * fields give. An edited, removed, inserted or reordered entry breaks it.
 */
export function verifyChain(
  records: readonly AuditRecord[],
  start: { seq: number; hash: string } = { seq: 0, hash: '' },
): ChainBreak | null {
  let expectedSeq = start.seq + 1;
  let prevHash = start.hash;
  for (const record of records) {
    if (record.seq !== expectedSeq) return { seq: record.seq, reason: 'gap', detail: `expected entry ${expectedSeq}, found ${record.seq}` };
    if (record.prevHash !== prevHash)
      return { seq: record.seq, reason: 'previous_hash', detail: 'does not name the hash of the entry before it' };
    const computed = chainHash(prevHash, record.seq, auditPayload(record));
    if (computed !== record.hash) return { seq: record.seq, reason: 'hash', detail: 'its fields do not give its stored hash' };
    prevHash = record.hash;
    expectedSeq += 1;
  }
  return null;
}

import { z } from 'zod';
import { timestampSchema } from '../../core/entities.ts';
import type { Identity } from '../../core/scope.ts';
import type { ConversationRow } from '../../db/conversation-tables.ts';
import type { Queryable } from '../../db/database.ts';
import { isoTime } from '../../db/memory-tables.ts';
import type { Engine } from '../../kernel/engine.ts';
import { extractionSettings } from '../tenants/index.ts';

/** An extraction job as callers see it: what it read, where it stands, what it did or why it failed. */
export const extractionJobSchema = z.strictObject({
  id: z.uuid(),
  conversationId: z.string(),
  userId: z.string().nullable(),
  /** `queued`, `running`, `limited` (waiting for the month's tokens), `done`, or `failed` (with `error`). */
  status: z.enum(['queued', 'running', 'limited', 'done', 'failed']),
  /** The messages it reads: `seq` from and to, inclusive. */
  fromSeq: z.number().int(),
  toSeq: z.number().int(),
  attempts: z.number().int(),
  /** When it runs (again): a retry's backoff, a limited job's next check, a running job's lease end. */
  runAfter: timestampSchema,
  error: z.strictObject({ code: z.string(), message: z.string() }).nullable(),
  /** For a done job: the memories it added, updated and invalidated, and the decisions it did not apply. */
  result: z
    .strictObject({
      added: z.array(z.uuid()),
      updated: z.array(z.uuid()),
      invalidated: z.array(z.uuid()),
      ignored: z.number().int(),
      skipped: z.string().optional(),
    })
    .nullable(),
  createdAt: timestampSchema,
  updatedAt: timestampSchema,
});

/** An extraction job. */
export type ExtractionJob = z.infer<typeof extractionJobSchema>;

/** Columns every job query selects. */
export const jobColumns = `job_id::text AS job_id, tenant_id, conversation_id, user_id, status, from_seq, to_seq, attempts, run_after,
  lease_id::text AS lease_id, error, result, created_at, updated_at`;

/** A job row as selected by {@link jobColumns}. */
export interface JobRow {
  job_id: string;
  tenant_id: string;
  conversation_id: string;
  user_id: string | null;
  status: ExtractionJob['status'];
  from_seq: number | string;
  to_seq: number | string;
  attempts: number;
  run_after: Date | string;
  lease_id: string | null;
  error: ExtractionJob['error'];
  result: ExtractionJob['result'];
  created_at: Date | string;
  updated_at: Date | string;
}

/** Maps a job row to the public shape. */
export function toJob(row: JobRow): ExtractionJob {
  return {
    id: row.job_id,
    conversationId: row.conversation_id,
    userId: row.user_id,
    status: row.status,
    fromSeq: Number(row.from_seq),
    toSeq: Number(row.to_seq),
    attempts: row.attempts,
    runAfter: isoTime(row.run_after),
    error: row.error,
    result: row.result,
    createdAt: isoTime(row.created_at),
    updatedAt: isoTime(row.updated_at),
  };
}

/** What became of extraction for messages just added. */
export interface ExtractionTicket {
  status: 'off' | 'queued';
  jobId: string | null;
}

/**
 * Queues one job for the messages `fromSeq..toSeq` just appended, in the same transaction, when
 * the tenant's policy is `add-only` or `full` and the deployment has a model; otherwise says
 * `off` (nothing is faked: the messages are still searchable as memories).
 */
export async function enqueueExtraction(
  engine: Engine,
  db: Queryable,
  caller: Identity,
  conversation: ConversationRow,
  fromSeq: number,
  toSeq: number,
): Promise<ExtractionTicket> {
  if (engine.llm === undefined) return { status: 'off', jobId: null };
  const tenant = await db.query<{ settings: unknown }>('SELECT settings FROM tenants WHERE tenant_id = $1', [caller.tenantId]);
  if (extractionSettings(engine, tenant.rows[0]?.settings).policy === 'off') return { status: 'off', jobId: null };
  const jobId = engine.generateId();
  const now = engine.now().toISOString();
  await db.query(
    `INSERT INTO extraction_jobs (tenant_id, job_id, conversation_id, user_id, from_seq, to_seq, status, run_after, created_at, updated_at)
     VALUES ($1, $2::uuid, $3, $4, $5, $6, 'queued', $7::timestamptz, $7::timestamptz, $7::timestamptz)`,
    [conversation.tenant_id, jobId, conversation.conversation_id, conversation.user_id, fromSeq, toSeq, now],
  );
  return { status: 'queued', jobId };
}

import { StrataError } from '../../core/errors.ts';
import { effectiveLimits, type LimitOverrides } from '../../core/plans.ts';
import type { Identity } from '../../core/scope.ts';
import type { MemorySource } from '../../core/types.ts';
import { type MessageRow, messageColumns, toMessage } from '../../db/conversation-tables.ts';
import type { Queryable, SessionSettings } from '../../db/database.ts';
import { isoTime, type MemoryRow, memoryColumns } from '../../db/memory-tables.ts';
import { appendTenantEntry } from '../../kernel/audit-chain.ts';
import type { Engine } from '../../kernel/engine.ts';
import { modelTokenAllowance, noticeModelLimit, recordModelUsage } from '../../kernel/model-usage.ts';
import type { ChatRequest } from '../../models/llm-provider.ts';
import { type PreparedMemory, prepareMemories, replaceMemory, storeMemories } from '../memories/index.ts';
import { extractionSettings, tenantChatModel } from '../tenants/index.ts';
import { type JobRow, jobColumns } from './extraction-jobs.ts';
import { type ExtractionDecision, extractionJsonSchema, extractionPrompt, type KnownMemory, parseDecisions } from './extraction-prompt.ts';

/** Options of the extraction worker (`extraction` in the store options). */
export interface ExtractionWorkerOptions {
  /** Run the worker in this process (`strata serve` and the library). Default true when an LLM is configured. */
  worker?: boolean;
  /** Jobs worked on at once. Default 2. */
  concurrency?: number;
  /** How often an idle worker looks for jobs, in ms (new messages in this process wake it at once). Default 1000. */
  pollIntervalMs?: number;
  /** How long a claimed job is the claimant's; past it, another worker retries it (the first crashed). Default 300000. */
  leaseMs?: number;
  /** Attempts before a job ends as `failed`. Default 5. */
  maxAttempts?: number;
  /** First retry delay in ms, doubled per attempt (up to 10 minutes). Default 2000. */
  retryBaseMs?: number;
  /** How often a `limited` job checks whether tokens are available again, in ms. Default 300000. */
  limitedRecheckMs?: number;
  /** Stored memories shown to the model with the new messages. Default 10. */
  candidates?: number;
}

/** A running worker. */
export interface ExtractionWorker {
  /** Looks for jobs now (new messages were queued). */
  wake(): void;
  /** Stops claiming jobs and waits for those under way. */
  stop(): Promise<void>;
}

const operation = 'conversations.extract';

interface TenantRow {
  client_id: string;
  status: string;
  plan: string;
  limits: LimitOverrides | null;
  settings: unknown;
}

/** One claimed job and who it acts as: the tenant and the conversation's user, never more. */
interface Claim {
  job: JobRow;
  lease: string;
}

/**
 * Starts the extraction worker: `concurrency` loops, each claiming one job at a time with
 * `FOR UPDATE SKIP LOCKED`, fairly across tenants (the tenant served longest ago goes first,
 * so one tenant's 10,000 queued jobs do not delay another's), then doing its work in a session
 * of the job's tenant and user. Jobs are durable: a claim is a lease, and a worker killed
 * mid-job leaves it to be claimed again when the lease ends; the job's writes and its `done`
 * commit together, so a retry never duplicates them.
 */
export function startExtractionWorker(engine: Engine, options: ExtractionWorkerOptions = {}): ExtractionWorker {
  const settings = {
    concurrency: options.concurrency ?? 2,
    pollIntervalMs: options.pollIntervalMs ?? 1_000,
    leaseMs: options.leaseMs ?? 300_000,
    maxAttempts: options.maxAttempts ?? 5,
    retryBaseMs: options.retryBaseMs ?? 2_000,
    limitedRecheckMs: options.limitedRecheckMs ?? 300_000,
    candidates: options.candidates ?? 10,
  };
  const lastServed = new Map<string, number>();
  let stopped = false;
  let wakeUp: (() => void) | null = null;
  let pendingWake = false;

  const idle = () =>
    new Promise<void>((resolve) => {
      if (pendingWake || stopped) {
        pendingWake = false;
        resolve();
        return;
      }
      const timer = setTimeout(finish, settings.pollIntervalMs);
      timer.unref?.();
      function finish() {
        clearTimeout(timer);
        wakeUp = null;
        resolve();
      }
      wakeUp = finish;
    });

  async function loop(): Promise<void> {
    while (!stopped) {
      let claim: Claim | null = null;
      try {
        claim = await claimJob(engine, settings.leaseMs, lastServed);
      } catch (error) {
        // The database is unreachable or closing: wait and look again.
        if (!stopped) process.emitWarning(`strata: extraction worker could not claim a job: ${String(error)}`);
      }
      if (claim === null) {
        await idle();
        continue;
      }
      await runJob(engine, claim, settings).catch((error: unknown) => {
        if (!stopped) process.emitWarning(`strata: extraction job ${claim.job.job_id} could not be settled: ${String(error)}`);
      });
    }
  }

  const loops = Array.from({ length: settings.concurrency }, () => loop());
  return {
    wake() {
      pendingWake = true;
      wakeUp?.();
    },
    async stop() {
      stopped = true;
      wakeUp?.();
      await Promise.all(loops);
    },
  };
}

/** Claims the next due job of the tenant served longest ago (a queued one, or a running one whose lease ran out). */
async function claimJob(engine: Engine, leaseMs: number, lastServed: Map<string, number>): Promise<Claim | null> {
  const now = engine.now();
  const lease = engine.generateId();
  const claimed = await engine.database.withSession({ role: 'system' }, async (db) => {
    const due = await db.query<{ tenant_id: string; due: Date | string }>(
      `SELECT tenant_id, min(run_after) AS due FROM extraction_jobs
        WHERE status IN ('queued', 'running', 'limited') AND run_after <= $1::timestamptz GROUP BY tenant_id`,
      [now.toISOString()],
    );
    const order = due.rows.sort(
      (a, b) => (lastServed.get(a.tenant_id) ?? 0) - (lastServed.get(b.tenant_id) ?? 0) || isoTime(a.due).localeCompare(isoTime(b.due)),
    );
    for (const { tenant_id: tenantId } of order) {
      const result = await db.query<JobRow>(
        `UPDATE extraction_jobs SET status = 'running', attempts = attempts + 1, lease_id = $3::uuid,
           run_after = $4::timestamptz, updated_at = $2::timestamptz
         WHERE (tenant_id, job_id) = (
           SELECT tenant_id, job_id FROM extraction_jobs
            WHERE tenant_id = $1 AND status IN ('queued', 'running', 'limited') AND run_after <= $2::timestamptz
            ORDER BY run_after, job_id LIMIT 1 FOR UPDATE SKIP LOCKED)
         RETURNING ${jobColumns}`,
        [tenantId, now.toISOString(), lease, new Date(now.getTime() + leaseMs).toISOString()],
      );
      const job = result.rows[0];
      if (job !== undefined) return job;
    }
    return null;
  });
  if (claimed === null) return null;
  lastServed.set(claimed.tenant_id, Date.now());
  return { job: claimed, lease };
}

type Settings = Required<Omit<ExtractionWorkerOptions, 'worker'>>;

/** Does one claimed job and settles it: done, limited, retried later, or failed. */
async function runJob(engine: Engine, claim: Claim, settings: Settings): Promise<void> {
  try {
    await extract(engine, claim, settings);
  } catch (error) {
    await settleFailure(engine, claim, error, settings);
  }
}

/** The session of the job's tenant and user: row-level security shows it exactly what that user may see. */
function sessionOf(job: JobRow, clientId: string): SessionSettings {
  return { role: 'system', clientId, tenantId: job.tenant_id, ...(job.user_id === null ? {} : { userId: job.user_id }) };
}

async function extract(engine: Engine, claim: Claim, settings: Settings): Promise<void> {
  const { job } = claim;
  const clientId = await tenantClient(engine, job.tenant_id);
  if (clientId === null) return; // The tenant is gone, and its jobs with it.
  const session = sessionOf(job, clientId);
  const identity: Identity = {
    tenantId: job.tenant_id,
    clientId,
    role: 'admin',
    ...(job.user_id === null ? {} : { userId: job.user_id }),
  };

  // 1. What the job needs, read in one short transaction: the tenant, its policy and allowance, the messages.
  const prepared = await engine.database.withSession(session, async (db) => {
    if (!(await holdsLease(db, claim))) return null;
    const tenant = (
      await db.query<TenantRow>('SELECT client_id, status, plan, limits, settings FROM tenants WHERE tenant_id = $1', [job.tenant_id])
    ).rows[0];
    if (tenant === undefined) return null;
    const limits = effectiveLimits(tenant.plan, tenant.limits ?? {}, engine.plans);
    if (tenant.status !== 'active') return { kind: 'wait' as const, waitMs: settings.limitedRecheckMs, limited: false };
    const policy = extractionSettings(engine, tenant.settings).policy;
    if (policy === 'off') return { kind: 'skip' as const, reason: 'the tenant turned extraction off' };
    const allowance = await modelTokenAllowance(db, job.tenant_id, limits, engine.now());
    if (!allowance.allowed) {
      await noticeModelLimit(db, job.tenant_id, allowance, engine.now());
      const resumes = Date.parse(allowance.resumesAt) - engine.now().getTime();
      return { kind: 'wait' as const, waitMs: Math.min(resumes, settings.limitedRecheckMs), limited: true };
    }
    const chat = await tenantChatModel(engine, db, job.tenant_id, tenant.settings);
    if (chat === undefined) return { kind: 'skip' as const, reason: 'no model is configured' };
    const rows = await db.query<MessageRow>(
      `SELECT ${messageColumns} FROM conversation_messages
        WHERE tenant_id = $1 AND conversation_id = $2 AND seq BETWEEN $3 AND $4 AND role IN ('user', 'assistant') ORDER BY seq`,
      [job.tenant_id, job.conversation_id, job.from_seq, job.to_seq],
    );
    const conversation = await db.query<{ agent_id: string | null }>(
      'SELECT agent_id FROM conversations WHERE tenant_id = $1 AND conversation_id = $2',
      [job.tenant_id, job.conversation_id],
    );
    return {
      kind: 'run' as const,
      policy,
      chat,
      limits,
      messages: rows.rows.map(toMessage),
      agentId: conversation.rows[0]?.agent_id ?? null,
    };
  });
  if (prepared === null) return;
  if (prepared.kind === 'wait') return postpone(engine, claim, clientId, prepared.waitMs, prepared.limited);
  if (prepared.kind === 'skip' || prepared.messages.length === 0) {
    return finish(engine, claim, clientId, {
      added: [],
      updated: [],
      invalidated: [],
      ignored: 0,
      skipped: prepared.kind === 'skip' ? prepared.reason : 'no messages to read',
    });
  }
  const { policy, chat, limits, messages, agentId } = prepared;

  // 2. The stored memories most like the new messages, in the scope the job may write.
  const scope = job.user_id === null ? 'customer' : 'user';
  const [probe] = await engine.embedder.embed([messages.map((message) => message.content).join('\n')], { purpose: 'query' });
  const known: KnownMemory[] = await engine.database.withSession(session, async (db) => {
    const result = await db.query<{ memory_id: string; content: string }>(
      `SELECT memory_id::text AS memory_id, content FROM memories
        WHERE tenant_id = $1 AND scope = $2 AND user_id IS NOT DISTINCT FROM $3 AND kind = 'memory' AND embedding_model = $4
          AND (source IS NULL OR source->>'kind' <> 'message') AND invalidated_at IS NULL
          AND (expires_at IS NULL OR expires_at > $5::timestamptz)
        ORDER BY embedding <=> $6::vector LIMIT $7`,
      [
        job.tenant_id,
        scope,
        job.user_id,
        engine.embedder.model,
        engine.now().toISOString(),
        JSON.stringify(probe ?? []),
        settings.candidates,
      ],
    );
    return result.rows.map((row, index) => ({ handle: `m${index + 1}`, id: row.memory_id, content: row.content }));
  });

  // 3. The model, outside any transaction; its tokens are metered whatever becomes of the answer.
  const request: ChatRequest = {
    messages: extractionPrompt(messages, known),
    model: chat.model,
    temperature: 0,
    responseFormat: { type: 'json', schema: extractionJsonSchema, schemaName: 'memory_decisions' },
  };
  const answer = await engine.telemetry.chat({ model: chat.model, operation: 'extraction', tenantId: job.tenant_id, request }, () =>
    chat.provider.chat(request),
  );
  if (answer.usage !== undefined) {
    const usage = answer.usage;
    await engine.database.withSession(session, (db) =>
      recordModelUsage(engine, db, job.tenant_id, { operation: 'extraction', model: chat.model, ...pick(usage) }, limits, engine.now()),
    );
  }
  const decisions = parseDecisions(answer.json, known);
  const applied = decisions.filter((decision) => decision.action !== 'NONE' && (policy === 'full' || decision.action === 'ADD'));
  const ignored = decisions.length - applied.length;

  // 4. Facts to store are embedded before the write transaction, which never waits on a model.
  const texts = applied.flatMap((decision) => (decision.action === 'ADD' || decision.action === 'UPDATE' ? [decision.text] : []));
  const embedded = await prepareMemories(
    engine,
    texts.map((content) => ({ content, scope, documentType: 'fact' })),
    true,
  );
  const source: MemorySource = {
    kind: 'extraction',
    conversationId: job.conversation_id,
    messageIds: messages.map((message) => message.id),
    jobId: job.job_id,
  };
  const lastMessage = messages.at(-1)?.id ?? null;
  await finish(engine, claim, clientId, async (db, now) => {
    // The limits read at the start of the job: storage quotas hold the facts as they hold any write.
    const context: WriteContextLike = { identity, now, model: engine.embedder.model, limits };
    const added: string[] = [];
    const updated: string[] = [];
    const invalidated: string[] = [];
    let next = 0;
    for (const decision of applied) {
      if (decision.action === 'DELETE') {
        const result = await db.query(
          `UPDATE memories SET invalidated_at = $3::timestamptz, invalidated_by = $4::jsonb, updated_at = $3::timestamptz
            WHERE tenant_id = $1 AND memory_id = $2::uuid AND invalidated_at IS NULL`,
          [
            job.tenant_id,
            decision.memoryId,
            context.now.toISOString(),
            JSON.stringify({ jobId: job.job_id, conversationId: job.conversation_id, messageId: lastMessage, reason: decision.reason }),
          ],
        );
        if (result.affectedRows > 0) invalidated.push(decision.memoryId);
        continue;
      }
      const memory = embedded[next];
      next += 1;
      if (memory === undefined) throw new StrataError('internal', 'a decision has no prepared memory');
      const withSource: PreparedMemory = { ...memory, conversationId: job.conversation_id, agentId, source };
      if (decision.action === 'ADD') {
        const [stored] = await storeMemories(engine, db, context, null, [withSource]);
        if (stored !== undefined && !stored.deduplicated) added.push(stored.memory.id);
        continue;
      }
      if (decision.action === 'UPDATE' && (await updateMemory(db, job, decision, withSource, context))) updated.push(decision.memoryId);
    }
    return { added, updated, invalidated, ignored };
  });
}

/** Replaces a stored memory's content (its previous version goes to history) and records where the new one came from. */
async function updateMemory(
  db: Queryable,
  job: JobRow,
  decision: Extract<ExtractionDecision, { action: 'UPDATE' }>,
  memory: PreparedMemory,
  context: WriteContextLike,
): Promise<boolean> {
  const current = await db.query<MemoryRow>(
    `SELECT ${memoryColumns('memories')} FROM memories m WHERE m.tenant_id = $1 AND m.memory_id = $2::uuid AND m.kind <> 'chunk'
       AND m.invalidated_at IS NULL FOR UPDATE`,
    [job.tenant_id, decision.memoryId],
  );
  const row = current.rows[0];
  if (row === undefined || row.content_hash === memory.contentHash) return false;
  await replaceMemory(
    db,
    'memories',
    row,
    {
      documentType: row.document_type,
      metadata: row.metadata,
      expiresAt: row.expires_at === null ? null : isoTime(row.expires_at),
      content: memory,
    },
    context,
  );
  await db.query('UPDATE memories SET source = $3::jsonb WHERE tenant_id = $1 AND memory_id = $2::uuid', [
    job.tenant_id,
    decision.memoryId,
    JSON.stringify(memory.source),
  ]);
  return true;
}

type WriteContextLike = Parameters<typeof storeMemories>[2];
type JobResult = NonNullable<JobRow['result']>;

/**
 * Settles a job as done in one transaction with its writes (`outcome`, when it is a function), and appends its audit
 * entry: if the lease is no longer this worker's (it ran out and another worker took the job),
 * nothing is written, so a job's memories are stored once.
 */
async function finish(
  engine: Engine,
  claim: Claim,
  clientId: string,
  outcome: JobResult | ((db: Queryable, now: Date) => Promise<JobResult>),
): Promise<void> {
  const { job } = claim;
  await engine.database.withSession(sessionOf(job, clientId), async (db) => {
    if (!(await holdsLease(db, claim, true))) return;
    const now = engine.now();
    const result = typeof outcome === 'function' ? await outcome(db, now) : outcome;
    await db.query(
      `UPDATE extraction_jobs SET status = 'done', result = $3::jsonb, error = NULL, lease_id = NULL, updated_at = $4::timestamptz
        WHERE tenant_id = $1 AND job_id = $2::uuid`,
      [job.tenant_id, job.job_id, JSON.stringify(result), now.toISOString()],
    );
    const targets = [...result.added, ...result.updated, ...result.invalidated];
    await audit(db, job, clientId, now, 'ok', null, targets);
  });
}

/** Puts a job back to wait (`limited` for tokens, or queued while its tenant is suspended); a wait is not an attempt. */
async function postpone(engine: Engine, claim: Claim, clientId: string, waitMs: number, limited: boolean): Promise<void> {
  const { job } = claim;
  await engine.database.withSession(sessionOf(job, clientId), async (db) => {
    if (!(await holdsLease(db, claim, true))) return;
    const now = engine.now();
    await db.query(
      `UPDATE extraction_jobs SET status = $3, attempts = greatest(attempts - 1, 0), lease_id = NULL,
         run_after = $4::timestamptz, updated_at = $5::timestamptz WHERE tenant_id = $1 AND job_id = $2::uuid`,
      [
        job.tenant_id,
        job.job_id,
        limited ? 'limited' : 'queued',
        new Date(now.getTime() + Math.max(waitMs, 0)).toISOString(),
        now.toISOString(),
      ],
    );
  });
}

/** A failed attempt: retried after a backoff (or the model server's `Retry-After`), or `failed` with its error after the last. */
async function settleFailure(engine: Engine, claim: Claim, error: unknown, settings: Settings): Promise<void> {
  const { job } = claim;
  const code = error instanceof StrataError ? error.code : 'internal';
  const message = (error instanceof Error ? error.message : String(error)).slice(0, 500);
  const clientId = await tenantClient(engine, job.tenant_id);
  if (clientId === null) return;
  await engine.database.withSession(sessionOf(job, clientId), async (db) => {
    if (!(await holdsLease(db, claim, true))) return;
    const now = engine.now();
    const final = job.attempts >= settings.maxAttempts;
    const retryAfter = error instanceof StrataError ? Number(error.details.retryAfterSeconds) * 1000 : Number.NaN;
    const backoff = Number.isFinite(retryAfter) ? retryAfter : Math.min(settings.retryBaseMs * 2 ** (job.attempts - 1), 600_000);
    await db.query(
      `UPDATE extraction_jobs SET status = $3, error = $4::jsonb, lease_id = NULL, run_after = $5::timestamptz, updated_at = $6::timestamptz
        WHERE tenant_id = $1 AND job_id = $2::uuid`,
      [
        job.tenant_id,
        job.job_id,
        final ? 'failed' : 'queued',
        JSON.stringify({ code, message }),
        new Date(now.getTime() + (final ? 0 : backoff)).toISOString(),
        now.toISOString(),
      ],
    );
    if (final) await audit(db, job, clientId, now, 'error', code, []);
  });
}

/** Whether the job is still this worker's (running under its lease); locks the row when asked. */
async function holdsLease(db: Queryable, claim: Claim, lock = false): Promise<boolean> {
  const result = await db.query(
    `SELECT 1 FROM extraction_jobs WHERE tenant_id = $1 AND job_id = $2::uuid AND status = 'running' AND lease_id = $3::uuid${lock ? ' FOR UPDATE' : ''}`,
    [claim.job.tenant_id, claim.job.job_id, claim.lease],
  );
  return result.rows.length > 0;
}

async function tenantClient(engine: Engine, tenantId: string): Promise<string | null> {
  const known = engine.tenantClients.get(tenantId);
  if (known !== undefined) return known;
  const result = await engine.database.withSession({ role: 'system', tenantId }, (db) =>
    db.query<{ client_id: string }>('SELECT client_id FROM tenants WHERE tenant_id = $1', [tenantId]),
  );
  return result.rows[0]?.client_id ?? null;
}

/** The job's entry in its tenant's audit chain: the worker acting for the conversation's user. */
async function audit(
  db: Queryable,
  job: JobRow,
  clientId: string,
  now: Date,
  outcome: 'ok' | 'error',
  errorCode: string | null,
  targets: string[],
): Promise<void> {
  await appendTenantEntry(
    db,
    {
      tenantId: job.tenant_id,
      at: now.toISOString(),
      actorRole: 'system',
      actorClient: clientId,
      actorUser: job.user_id,
      keyId: null,
      action: operation,
      targetIds: [job.job_id, ...targets],
      outcome,
      errorCode,
      requestId: null,
    },
    { day: now.toISOString().slice(0, 10), operation, model: '', calls: 0, errors: outcome === 'error' ? 1 : 0, embeddingTokens: 0 },
  );
}

function pick(usage: { inputTokens: number; outputTokens: number }): { inputTokens: number; outputTokens: number } {
  return { inputTokens: usage.inputTokens, outputTokens: usage.outputTokens };
}

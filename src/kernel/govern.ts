import { AsyncLocalStorage } from 'node:async_hooks';
import { StrataError } from '../core/errors.ts';
import { type FeatureOperations, type OperationDeclaration, operationName } from '../core/operation.ts';
import { assertPermitted, holds } from '../core/permissions.ts';
import type { FeatureName, Limits } from '../core/plans.ts';
import { parseInput } from '../core/schemas.ts';
import type { Identity } from '../core/scope.ts';
import type { Queryable } from '../db/database.ts';
import type { EmbeddingProvider } from '../models/embedding-provider.ts';
import { type AuditEntry, appendPlatformEntry, appendTenantEntry, type MeterReading } from './audit-chain.ts';
import { noticeBudget } from './budget.ts';
import { type CallerContext, currentIdentity } from './caller.ts';
import type { Engine } from './engine.ts';
import { notifyOnce } from './quota.ts';
import { limitExceeded, rateLimited } from './rate-limiter.ts';

/** What one library call has done so far: filled in as it runs, written to the audit log and the meter. */
export interface OperationState {
  action: string;
  identity: Identity;
  targetIds: Set<string>;
  embeddingTokens: number;
  requestId: string | null;
  keyId: string | null;
  /** Set once a transaction of this call carries its audit entry (reset if that transaction fails). */
  claimed: boolean;
  /** True once that transaction committed. */
  recorded: boolean;
  /** The tenant's size class, from the facts its session read. */
  sizeClass: string;
  /** Whether the rate limiter admitted the call (a refused call is not audited: it did no work). */
  admitted: boolean;
  /** Whether the caller's client is known (from a key or an explicit context) rather than defaulted. */
  clientKnown: boolean;
  /** The plan feature the operation needs (checked against the tenant's facts in its session). */
  feature: FeatureName | undefined;
}

/** Carries the current operation through its awaits. */
export type OperationStore = AsyncLocalStorage<OperationState>;

/** A fresh operation store for one Strata instance. */
export function createOperationStore(): OperationStore {
  return new AsyncLocalStorage<OperationState>();
}

/**
 * Wraps every method of `api` so each call is permission-checked, rate limited, traced,
 * audited and metered, as `feature` declares it. Every method must be declared: an
 * undeclared one is a programming error, caught when the handle is built.
 */
export function governApi<T extends object>(engine: Engine, bound: CallerContext | undefined, feature: FeatureOperations, api: T): T {
  const wrapped: Record<string, unknown> = {};
  const declarations = feature.operations as Readonly<Record<string, OperationDeclaration>>;
  for (const [name, member] of Object.entries(api)) {
    if (typeof member !== 'function') {
      wrapped[name] = member;
      continue;
    }
    const declaration = Object.hasOwn(declarations, name) ? declarations[name] : undefined;
    const action = operationName(feature.group, name);
    if (declaration === undefined) throw new StrataError('internal', `${action} has no operation declaration`);
    if (declaration.plumbing === true) {
      wrapped[name] = member;
      continue;
    }
    wrapped[name] = (...args: unknown[]) => runOperation(engine, bound, action, declaration, args, () => member.apply(api, args));
  }
  return wrapped as T;
}

async function runOperation<T>(
  engine: Engine,
  bound: CallerContext | undefined,
  action: string,
  declaration: OperationDeclaration,
  args: unknown[],
  work: () => Promise<T>,
): Promise<T> {
  let identity: Identity & { clientKnown: boolean };
  try {
    identity = currentIdentity(engine, bound);
  } catch {
    return work(); // The call itself reports the bad context.
  }
  const context = bound ?? engine.contexts.getStore() ?? {};
  const op: OperationState = {
    action,
    identity,
    targetIds: new Set(typeof args[0] === 'string' ? [args[0]] : []),
    embeddingTokens: 0,
    requestId: context.requestId ?? null,
    keyId: context.keyId ?? null,
    claimed: false,
    recorded: false,
    sizeClass: identity.tenantId === undefined ? 'none' : 'unknown',
    admitted: false,
    clientKnown: identity.clientKnown,
    feature: declaration.feature,
  };
  const tenantId = identity.tenantId;
  const call = { action, identity, args, sizeClass: () => op.sizeClass, genAiOperation: declaration.telemetryName };
  return engine.telemetry.operation(call, async () => {
    const release = tenantId === undefined ? () => undefined : engine.limiter.admit(tenantId, engine.tenantLimits.get(tenantId));
    op.admitted = true;
    try {
      return await engine.operations.run(op, () => {
        // The role × operation table, before any work: a refused call is audited as such.
        if (declaration.permission !== undefined && !holds(identity.role, declaration.permission)) {
          // Bad input is reported before a missing right, as it always was: what a caller is told first does not depend on its role.
          assertValidArguments(declaration, args);
          assertPermitted(identity.role, declaration.permission);
        }
        return work();
      });
    } catch (error) {
      // Also after a transaction of the call recorded it: the call as a whole failed, and the log says so.
      await recordFailure(engine, op, error);
      throw error;
    } finally {
      release();
    }
  });
}

/** Throws the library's own `invalid_input` for an argument its declared body or query schema refuses. */
function assertValidArguments(declaration: OperationDeclaration, args: readonly unknown[]): void {
  declaration.http?.args.forEach((place, index) => {
    if ((place.in !== 'body' && place.in !== 'query') || place.field !== undefined) return;
    const schema = place.in === 'body' ? declaration.http?.body : declaration.http?.query;
    const value = args[index];
    if (schema !== undefined && value !== undefined) parseInput(schema, value);
  });
}

/** Adds ids the current operation touched (created, read, returned) to its audit entry. */
export function noteTargets(engine: Engine, ids: Iterable<string>): void {
  const op = engine.operations.getStore();
  if (op === undefined) return;
  for (const id of ids) op.targetIds.add(id);
}

/** An embedding provider that counts (estimated) tokens into the current operation: about four characters per token. */
export function meteredEmbedder(provider: EmbeddingProvider, operations: OperationStore): EmbeddingProvider {
  return {
    model: provider.model,
    dimensions: provider.dimensions,
    async embed(texts, options) {
      const vectors = await provider.embed(texts, options);
      const op = operations.getStore();
      if (op !== undefined) op.embeddingTokens += texts.reduce((total, text) => total + Math.ceil(text.length / 4), 0);
      return vectors;
    },
  };
}

const entryOf = (engine: Engine, op: OperationState, outcome: 'ok' | 'error', errorCode: string | null): AuditEntry => ({
  ...(op.identity.tenantId === undefined ? {} : { tenantId: op.identity.tenantId }),
  at: engine.now().toISOString(),
  actorRole: op.identity.role,
  actorClient: op.identity.clientId,
  actorUser: op.identity.userId ?? null,
  keyId: op.keyId,
  action: op.action,
  targetIds: [...op.targetIds],
  outcome,
  errorCode,
  requestId: op.requestId,
});

/** The day's UTC date and the seconds until the next UTC midnight. */
function dayOf(now: Date): { day: string; secondsLeft: number } {
  const day = now.toISOString().slice(0, 10);
  const midnight = Date.parse(`${day}T00:00:00Z`) + 86_400_000;
  return { day, secondsLeft: Math.max(1, Math.ceil((midnight - now.getTime()) / 1000)) };
}

/**
 * Called by a session transaction as its work finishes: the first transaction of an operation
 * carries its audit entry and meter update. Per-period quotas are checked on the exact counts the
 * update returns; exceeding one throws, which rolls the whole operation back.
 */
export async function recordInTransaction(
  engine: Engine,
  db: Queryable,
  tenantId: string | undefined,
  limits: Limits | undefined,
): Promise<(() => void) | undefined> {
  const op = engine.operations.getStore();
  if (op === undefined || op.claimed) return undefined;
  op.claimed = true;
  // The session decides the chain: an administrator's call about a tenant extends the platform chain.
  if (tenantId === undefined) {
    await appendPlatformEntry(db, { ...entryOf(engine, op, 'ok', null), tenantId: undefined });
  } else {
    const now = engine.now();
    const reading = await appendTenantEntry(
      db,
      { ...entryOf(engine, op, 'ok', null), tenantId },
      {
        day: dayOf(now).day,
        operation: op.action,
        model: op.embeddingTokens > 0 ? engine.embedder.model : '',
        calls: 1,
        errors: 0,
        embeddingTokens: op.embeddingTokens,
      },
    );
    checkPeriodQuotas(tenantId, reading, op.embeddingTokens, limits, now);
    const before = { ...reading, monthCalls: reading.monthCalls - 1, monthTokens: reading.monthTokens - op.embeddingTokens };
    await noticeBudget(engine, db, tenantId, { before, after: reading }, limits, now);
  }
  // The caller marks the operation recorded once the transaction commits.
  return () => {
    op.recorded = true;
  };
}

/** Releases the claim of a transaction that failed, so the failure entry is written instead. */
export function releaseClaim(engine: Engine): void {
  const op = engine.operations.getStore();
  if (op !== undefined && !op.recorded) op.claimed = false;
}

/**
 * The exact per-period checks, on the counts the meter update returned. `tokensPerMonth` refuses
 * only a call that adds tokens: LLM calls admitted under the limit may have left the month above
 * it (see `recordModelUsage`), and that must not lock the tenant out of calls that use none.
 */
function checkPeriodQuotas(tenantId: string, reading: MeterReading, tokensAdded: number, limits: Limits | undefined, now: Date): void {
  const calls = limits?.apiCallsPerDay ?? null;
  if (calls !== null && reading.dayCalls > calls) {
    throw rateLimited(tenantId, 'apiCallsPerDay', reading.dayCalls - 1, calls, dayOf(now).secondsLeft);
  }
  const tokens = limits?.tokensPerMonth ?? null;
  if (tokens !== null && tokensAdded > 0 && reading.monthTokens > tokens) {
    throw limitExceeded(tenantId, 'tokensPerMonth', reading.monthTokens, tokens);
  }
}

/**
 * Refuses early, before any work, a call the meter already shows over a per-period quota
 * (the exact check still runs when the call is recorded). For `tokensPerMonth`, only a call
 * that has already embedded something is refused here: one that adds no tokens never is.
 */
export function refuseOverQuota(
  engine: Engine,
  tenantId: string,
  meter: { day: string | null; dayCalls: number; month: string | null; monthTokens: number },
  limits: Limits,
): void {
  const op = engine.operations.getStore();
  if (op === undefined || op.claimed) return;
  const now = engine.now();
  const { day, secondsLeft } = dayOf(now);
  if (limits.apiCallsPerDay !== null && meter.day === day && meter.dayCalls >= limits.apiCallsPerDay) {
    throw rateLimited(tenantId, 'apiCallsPerDay', meter.dayCalls, limits.apiCallsPerDay, secondsLeft);
  }
  const month = `${day.slice(0, 7)}-01`;
  const used = meter.month === month ? meter.monthTokens : 0;
  if (limits.tokensPerMonth !== null && op.embeddingTokens > 0 && used + op.embeddingTokens > limits.tokensPerMonth) {
    throw limitExceeded(tenantId, 'tokensPerMonth', used + op.embeddingTokens, limits.tokensPerMonth);
  }
}

/** Writes the audit entry of a failed operation in its own transaction (the operation's own rolled back). */
async function recordFailure(engine: Engine, op: OperationState, error: unknown): Promise<void> {
  if (!op.admitted) return;
  const code = error instanceof StrataError ? error.code : 'internal';
  const tenantId = op.identity.tenantId;
  try {
    await engine.database.withSession(
      { role: op.identity.role, clientId: op.identity.clientId, ...(tenantId === undefined ? {} : { tenantId }) },
      async (db) => {
        if (tenantId === undefined) return appendPlatformEntry(db, entryOf(engine, op, 'error', code));
        // A refused look at another client's tenant is that caller's failure, not an entry in the other tenant's log.
        if (op.clientKnown) {
          const owner = await db.query('SELECT 1 FROM tenants WHERE tenant_id = $1 AND client_id = $2', [tenantId, op.identity.clientId]);
          if (owner.rows.length === 0) return;
        }
        await noticeRefusal(db, tenantId, error, engine.now());
        await appendTenantEntry(
          db,
          { ...entryOf(engine, op, 'error', code), tenantId },
          {
            day: dayOf(engine.now()).day,
            operation: op.action,
            model: '',
            calls: 0,
            errors: 1,
            embeddingTokens: 0,
          },
        );
      },
    );
  } catch (failure) {
    // A tenant that does not exist (or no longer does) has no chain to extend.
    if (failure instanceof StrataError && failure.code === 'not_found') return;
    process.emitWarning(`strata: could not write the audit entry of a failed ${op.action}: ${String(failure)}`);
  }
}

/** A refusal by a quota (not by the in-process rate limiter) queues `limit.exceeded`, once per limit and month. */
async function noticeRefusal(db: Queryable, tenantId: string, error: unknown, now: Date): Promise<void> {
  if (!(error instanceof StrataError) || (error.code !== 'limit_exceeded' && error.code !== 'rate_limited')) return;
  const { limit, current, maximum } = error.details as { limit?: unknown; current?: unknown; maximum?: unknown };
  if (typeof limit !== 'string' || typeof current !== 'number' || typeof maximum !== 'number') return;
  if (limit === 'requestsPerSecond' || limit === 'concurrentRequests') return;
  await notifyOnce(db, tenantId, 'limit.exceeded', limit, now, { current, maximum });
}

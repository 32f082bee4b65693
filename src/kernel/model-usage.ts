import { z } from 'zod';
import { notFound } from '../core/errors.ts';
import type { Limits } from '../core/plans.ts';
import { parseInput } from '../core/schemas.ts';
import type { Queryable } from '../db/database.ts';
import { type MonthReading, type MonthRow, monthColumns, toMonthReading } from './audit-chain.ts';
import { type MonthPricing, noticeBudget } from './budget.ts';
import { modelTokensCost } from './prices.ts';
import { notifyOnce } from './quota.ts';

/** One LLM call's tokens, as the model server counted them. */
export interface ModelUsage {
  /** What the call was for, kept as the day row's operation: `extraction`, ... (1 to 100 characters). */
  operation: string;
  /**
   * The model as the price table names it: normally the one requested (`request.model ??
   * provider.model`, e.g. `gpt-4o-mini`), not the dated snapshot a server answers with.
   */
  model: string;
  /** Prompt tokens (`ChatResult.usage.inputTokens`). */
  inputTokens: number;
  /** Generated tokens (`ChatResult.usage.outputTokens`). */
  outputTokens: number;
}

const tokenCount = z.number().int('must be a whole number of tokens').min(0, 'must be >= 0').max(Number.MAX_SAFE_INTEGER);
const modelUsageSchema = z.strictObject({
  operation: z.string().min(1).max(100),
  model: z.string().min(1).max(255),
  inputTokens: tokenCount,
  outputTokens: tokenCount,
});

/**
 * Records one LLM call's tokens for `tenantId`, inside the caller's tenant session transaction
 * (for a background job with no governed operation, e.g. `inSession` as role `system`): adds
 * them to the day's row for (day, `usage.operation`, `usage.model`) — input and output apart,
 * no API call counted — and to the month on the tenant's meter row, which `tokensPerMonth`
 * reads (embedding + LLM tokens). Queues `budget.exceeded` when this call takes the month's
 * estimated cost past `limits.monthlyBudget` (input and output priced at the model's own
 * rates). It never refuses: the tokens were spent, so they are counted even past
 * `tokensPerMonth`; ask {@link modelTokenAllowance} before the call. Returns the month after
 * the call; `not_found` when the tenant is gone, `invalid_input` naming a bad field.
 *
 * @example
 * const result = await telemetry.chat({ model, operation: 'extraction', tenantId }, () => llm.chat(request));
 * await inSession(engine, { role: 'system', clientId, tenantId }, (db, _identity, tenant) =>
 *   recordModelUsage(engine, db, tenantId, { operation: 'extraction', model, inputTokens: 812, outputTokens: 96 }, tenant?.limits, engine.now()),
 * );
 */
export async function recordModelUsage(
  pricing: MonthPricing,
  db: Queryable,
  tenantId: string,
  usage: ModelUsage,
  limits: Limits | undefined,
  now: Date,
): Promise<MonthReading> {
  const { operation, model, inputTokens, outputTokens } = parseInput(modelUsageSchema, usage);
  const cost = modelTokensCost(pricing.prices, model, { input: inputTokens, output: outputTokens }) ?? 0;
  const result = await db.query<MonthRow>(
    `WITH month AS (SELECT * FROM strata_record_model_usage($1, $2::date, $3, $4, $5)), daily AS (
       INSERT INTO usage_daily (tenant_id, day, operation, model, llm_input_tokens, llm_output_tokens)
       SELECT $1, $2::date, $6, $7, $3, $4 FROM month
       ON CONFLICT (tenant_id, day, operation, model) DO UPDATE SET
         llm_input_tokens = usage_daily.llm_input_tokens + EXCLUDED.llm_input_tokens,
         llm_output_tokens = usage_daily.llm_output_tokens + EXCLUDED.llm_output_tokens
     )
     SELECT ${monthColumns} FROM month`,
    [tenantId, now.toISOString().slice(0, 10), inputTokens, outputTokens, cost, operation, model],
  );
  const row = result.rows[0];
  if (row === undefined) throw notFound('tenant', tenantId);
  const after = toMonthReading(row);
  const before: MonthReading = {
    ...after,
    monthTokens: after.monthTokens - inputTokens - outputTokens,
    monthLlmInputTokens: after.monthLlmInputTokens - inputTokens,
    monthLlmOutputTokens: after.monthLlmOutputTokens - outputTokens,
    monthLlmCost: after.monthLlmCost - cost,
  };
  await noticeBudget(pricing, db, tenantId, { before, after }, limits, now);
  return after;
}

/** Whether a tenant may start another LLM call this month; see {@link modelTokenAllowance}. */
export type ModelTokenAllowance =
  | {
      allowed: true;
      /** Tokens left this month under `tokensPerMonth`; `null` when it is unlimited. */
      remaining: number | null;
    }
  | {
      allowed: false;
      /** Tokens (embedding + LLM) the tenant has used this month. */
      used: number;
      /** Its `tokensPerMonth`. */
      limit: number;
      /** When the month's count starts again: the next UTC month, ISO 8601 (`2026-03-01T00:00:00.000Z`). */
      resumesAt: string;
    };

/**
 * Whether `tenantId` may start an LLM call now, read from its meter row inside the caller's
 * tenant session: not once this month's tokens (embedding + LLM) have reached
 * `limits.tokensPerMonth`. A refused job should wait until `resumesAt` (a raised limit
 * admits it sooner), and may queue the tenant's notice with {@link noticeModelLimit}. A call
 * admitted under the limit can take the month past it: its tokens are recorded all the same.
 * `not_found` when the tenant is gone.
 */
export async function modelTokenAllowance(
  db: Queryable,
  tenantId: string,
  limits: Pick<Limits, 'tokensPerMonth'> | undefined,
  now: Date,
): Promise<ModelTokenAllowance> {
  const result = await db.query<{ month: string | null; month_tokens: string }>(
    'SELECT month::text AS month, month_tokens::text FROM tenant_meter WHERE tenant_id = $1',
    [tenantId],
  );
  const row = result.rows[0];
  if (row === undefined) throw notFound('tenant', tenantId);
  const limit = limits?.tokensPerMonth ?? null;
  if (limit === null) return { allowed: true, remaining: null };
  const monthStart = `${now.toISOString().slice(0, 7)}-01`;
  const used = row.month === monthStart ? Number(row.month_tokens) : 0;
  if (used < limit) return { allowed: true, remaining: limit - used };
  return { allowed: false, used, limit, resumesAt: nextMonthStart(now).toISOString() };
}

/**
 * Queues `limit.exceeded` for `tokensPerMonth` with the refusal's figures, once per tenant and
 * month (the same notice a refused API call sends, so the tenant hears of it once whichever
 * hit the limit first). Call it in the session transaction that read the refusal.
 */
export async function noticeModelLimit(
  db: Queryable,
  tenantId: string,
  refusal: Extract<ModelTokenAllowance, { allowed: false }>,
  now: Date,
): Promise<void> {
  await notifyOnce(db, tenantId, 'limit.exceeded', 'tokensPerMonth', now, { current: refusal.used, maximum: refusal.limit });
}

/** Midnight UTC on the first day of the month after `now`'s. */
function nextMonthStart(now: Date): Date {
  return new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth() + 1, 1));
}

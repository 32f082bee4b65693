import { invalidInput } from '../../core/errors.ts';
import type { Limits } from '../../core/plans.ts';
import { parseInput } from '../../core/schemas.ts';
import type { Queryable } from '../../db/database.ts';
import { type CallerContext, currentIdentity } from '../../kernel/caller.ts';
import { type Engine, inSession } from '../../kernel/engine.ts';
import { governanceReader } from '../../kernel/governance-reader.ts';
import { estimateCost, type PriceTable, type UsageRow } from '../../kernel/prices.ts';
import { usageReportSchema } from './usage-schemas.ts';

/**
 * Usage totals over a period. `calls` are Strata API calls; LLM tokens are prompt (input) and
 * generated (output) tokens of model calls, `llmTokens` their sum. `estimatedCost` is in the
 * price table's currency, LLM input and output each at its own rate.
 */
export interface UsageTotals {
  calls: number;
  errors: number;
  embeddingTokens: number;
  llmInputTokens: number;
  llmOutputTokens: number;
  llmTokens: number;
  estimatedCost: number;
}

/** One day of a usage report. Storage is the day's last recorded figure (null before any is known). */
export interface UsageDay extends UsageTotals {
  day: string;
  storageBytes: number | null;
  memories: number | null;
}

/** A tenant's metered usage over `from`..`to` (inclusive, UTC days), with its current size. */
export interface UsageReport {
  tenantId: string;
  from: string;
  to: string;
  currency: PriceTable['currency'];
  totals: UsageTotals & { unpricedModels: string[] };
  /** Every day of the range, oldest first, including days without calls. */
  byDay: UsageDay[];
  /** Per operation (`memories.create`, `search`, ...), most calls first. */
  byOperation: Array<UsageTotals & { operation: string }>;
  /** Per model, for operations that used one, most tokens first. */
  byModel: Array<UsageTotals & { model: string }>;
  current: { memories: number; storageBytes: number; users: number };
  /** The limits in force (plan preset, then the tenant's own), when any is set; null means unlimited. */
  limits?: Limits;
}

/** Usage reports: a tenant admin for its own tenant; the operator or a client admin for a named tenant. */
export interface UsageApi {
  report(query?: { from?: string; to?: string; tenantId?: string }): Promise<UsageReport>;
}

/** Longest range one report covers. */
export const maxReportDays = 366;
const defaultReportDays = 30;
const dayMs = 86_400_000;

/** Builds the usage API; the store's price table (`engine.prices`) turns metered usage into an estimated cost. */
export function createUsageApi(engine: Engine, bound: CallerContext | undefined): UsageApi {
  return {
    async report(query = {}) {
      const parsed = parseInput(usageReportSchema, query);
      const { from, to } = reportRange(parsed.from, parsed.to, engine.now());
      const identity = governanceReader(currentIdentity(engine, bound), parsed.tenantId, 'usage');
      const tenantId = identity.tenantId;
      if (tenantId === undefined) throw invalidInput('tenantId', 'name the tenant whose usage to report');
      const facts = await inSession(engine, identity, async (db, _resolved, tenant) => ({
        ...(await readUsage(db, tenantId, from, to)),
        limits: tenant?.limits ?? null,
      }));
      return buildReport(tenantId, from, to, facts, engine.prices, engine.now());
    },
  };
}

/** The validated range: `to` defaults to today (UTC), `from` to 30 days ending at `to`. */
function reportRange(from: string | undefined, to: string | undefined, now: Date): { from: string; to: string } {
  const end = to ?? now.toISOString().slice(0, 10);
  const start = from ?? dayOffset(end, -(defaultReportDays - 1));
  if (start > end) throw invalidInput('from', `must be on or before to (${end})`);
  const days = daysBetween(start, end) + 1;
  if (days > maxReportDays) throw invalidInput('to', `the range covers ${days} days; at most ${maxReportDays}`);
  return { from: start, to: end };
}

const dayOffset = (day: string, offset: number) => new Date(Date.parse(`${day}T00:00:00Z`) + offset * dayMs).toISOString().slice(0, 10);
const daysBetween = (from: string, to: string) => Math.round((Date.parse(`${to}T00:00:00Z`) - Date.parse(`${from}T00:00:00Z`)) / dayMs);

interface MeteredRow extends UsageRow {
  day: string;
  operation: string;
  errors: number;
  llmInputTokens: number;
  llmOutputTokens: number;
}

interface UsageFacts {
  metered: MeteredRow[];
  storage: Array<{ day: string; memories: number; bytes: number }>;
  current: UsageReport['current'];
  limits: Limits | null;
}

async function readUsage(db: Queryable, tenantId: string, from: string, to: string): Promise<Omit<UsageFacts, 'limits'>> {
  const metered = await db.query<MeteredRow>(
    `SELECT day::text AS day, operation, model, calls::float8 AS calls, errors::float8 AS errors,
       embedding_tokens::float8 AS "embeddingTokens", llm_input_tokens::float8 AS "llmInputTokens",
       llm_output_tokens::float8 AS "llmOutputTokens"
     FROM usage_daily WHERE tenant_id = $1 AND day BETWEEN $2::date AND $3::date`,
    [tenantId, from, to],
  );
  // The last figure before the range carries into its first days.
  const storage = await db.query<{ day: string; memories: number; bytes: number }>(
    `SELECT day::text AS day, memories::float8 AS memories, bytes::float8 AS bytes FROM storage_daily
     WHERE tenant_id = $1 AND day <= $3::date
       AND day >= coalesce((SELECT max(day) FROM storage_daily WHERE tenant_id = $1 AND day <= $2::date), $2::date)
     ORDER BY day`,
    [tenantId, from, to],
  );
  const tenant = await db.query<{ memories: number; bytes: number; users: number }>(
    `SELECT memory_count::float8 AS memories, content_bytes::float8 AS bytes, user_count::float8 AS users
     FROM tenant_usage WHERE tenant_id = $1`,
    [tenantId],
  );
  const row = tenant.rows[0];
  return {
    metered: metered.rows,
    storage: storage.rows,
    current: { memories: row?.memories ?? 0, storageBytes: row?.bytes ?? 0, users: row?.users ?? 0 },
  };
}

function buildReport(tenantId: string, from: string, to: string, facts: UsageFacts, prices: PriceTable, now: Date): UsageReport {
  const totals = { ...sumUsage(facts.metered, prices), unpricedModels: estimateCost(facts.metered, prices).unpricedModels };
  const report: UsageReport = {
    tenantId,
    from,
    to,
    currency: prices.currency,
    totals,
    byDay: reportDays(from, to, facts, prices, now.toISOString().slice(0, 10)),
    byOperation: groupUsage(facts.metered, prices, (row) => row.operation)
      .map(([operation, usage]) => ({ operation, ...usage }))
      .sort((a, b) => b.calls - a.calls || a.operation.localeCompare(b.operation)),
    byModel: groupUsage(
      facts.metered.filter((row) => row.model !== ''),
      prices,
      (row) => row.model,
    )
      .map(([model, usage]) => ({ model, ...usage }))
      .sort((a, b) => b.embeddingTokens + b.llmTokens - (a.embeddingTokens + a.llmTokens) || a.model.localeCompare(b.model)),
    current: facts.current,
  };
  if (facts.limits !== null && Object.values(facts.limits).some((limit) => limit !== null)) report.limits = facts.limits;
  return report;
}

function reportDays(from: string, to: string, facts: UsageFacts, prices: PriceTable, today: string): UsageDay[] {
  const byDay = new Map(groupUsage(facts.metered, prices, (row) => row.day));
  const days: UsageDay[] = [];
  let storageIndex = 0;
  let storage: UsageFacts['storage'][number] | null = null;
  for (let day = from; day <= to; day = dayOffset(day, 1)) {
    while (storageIndex < facts.storage.length && (facts.storage[storageIndex]?.day ?? '') <= day) {
      storage = facts.storage[storageIndex] ?? null;
      storageIndex += 1;
    }
    // Today's figure is the live one until the day is recorded.
    const shown =
      day === today && storage?.day !== today ? { memories: facts.current.memories, bytes: facts.current.storageBytes } : storage;
    days.push({
      day,
      ...(byDay.get(day) ?? sumUsage([], prices)),
      storageBytes: day > today ? null : (shown?.bytes ?? null),
      memories: day > today ? null : (shown?.memories ?? null),
    });
  }
  return days;
}

function groupUsage(rows: readonly MeteredRow[], prices: PriceTable, key: (row: MeteredRow) => string): Array<[string, UsageTotals]> {
  const groups = new Map<string, MeteredRow[]>();
  for (const row of rows) groups.set(key(row), [...(groups.get(key(row)) ?? []), row]);
  return [...groups].map(([name, members]) => [name, sumUsage(members, prices)]);
}

function sumUsage(rows: readonly MeteredRow[], prices: PriceTable): UsageTotals {
  const sum = (field: 'calls' | 'errors' | 'embeddingTokens' | 'llmInputTokens' | 'llmOutputTokens') =>
    rows.reduce((total, row) => total + row[field], 0);
  const llmInputTokens = sum('llmInputTokens');
  const llmOutputTokens = sum('llmOutputTokens');
  return {
    calls: sum('calls'),
    errors: sum('errors'),
    embeddingTokens: sum('embeddingTokens'),
    llmInputTokens,
    llmOutputTokens,
    llmTokens: llmInputTokens + llmOutputTokens,
    estimatedCost: estimateCost(rows, prices).cost,
  };
}

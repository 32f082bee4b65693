import type { Limits } from '../core/plans.ts';
import type { Queryable } from '../db/database.ts';
import type { EmbeddingProvider } from '../models/embedding-provider.ts';
import type { MonthReading } from './audit-chain.ts';
import { estimateCost, type PriceTable, roundMoney } from './prices.ts';
import { notifyOnce } from './quota.ts';

/** What pricing a month needs from the engine: the price table and the store's embedding model. */
export interface MonthPricing {
  prices: PriceTable;
  embedder: Pick<EmbeddingProvider, 'model'>;
}

/**
 * The month's estimated cost as the meter row holds it: API calls, embedding tokens (the
 * month's tokens less the LLM share) at the store's embedding model, and the LLM tokens' cost
 * as recorded with each model call (input and output at their own rates).
 */
export function monthCost(pricing: MonthPricing, month: MonthReading): number {
  const embeddingTokens = month.monthTokens - month.monthLlmInputTokens - month.monthLlmOutputTokens;
  const metered = estimateCost([{ model: pricing.embedder.model, calls: month.monthCalls, embeddingTokens }], pricing.prices).cost;
  return roundMoney(metered + month.monthLlmCost);
}

/**
 * Queues `budget.exceeded` (once a month) when the usage between `before` and `after` took the
 * month's estimated cost past the tenant's `monthlyBudget`. Only the crossing costs a
 * statement; usage after it does not.
 */
export async function noticeBudget(
  pricing: MonthPricing,
  db: Queryable,
  tenantId: string,
  readings: { before: MonthReading; after: MonthReading },
  limits: Limits | undefined,
  now: Date,
): Promise<void> {
  const budget = limits?.monthlyBudget ?? null;
  if (budget === null) return;
  const cost = monthCost(pricing, readings.after);
  if (cost <= budget || monthCost(pricing, readings.before) > budget) return;
  await notifyOnce(db, tenantId, 'budget.exceeded', 'monthlyBudget', now, { current: cost, maximum: budget });
}

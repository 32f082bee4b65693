import { existsSync, readFileSync } from 'node:fs';
import { z } from 'zod';
import { StrataError } from '../core/errors.ts';

/** What one model costs, in the table's currency per 1,000 tokens. */
export interface ModelPrice {
  embeddingPer1kTokens?: number;
  llmInputPer1kTokens?: number;
  llmOutputPer1kTokens?: number;
}

/**
 * Prices for the cost estimate in usage reports: per model (by the model name the meter
 * records, e.g. `text-embedding-3-small`) and, optionally, per 1,000 API calls.
 */
export interface PriceTable {
  currency: 'USD';
  models: Record<string, ModelPrice>;
  apiCallsPer1k?: number;
}

/**
 * Illustrative defaults, not a quote: list prices of common hosted models at the time of
 * writing. Deployments that bill from these figures should set their own table (`prices`
 * option or `STRATA_PRICE_TABLE`). The offline hash embedder costs nothing; API calls are free.
 */
export const defaultPriceTable: PriceTable = {
  currency: 'USD',
  models: {
    'text-embedding-3-small': { embeddingPer1kTokens: 0.00002 },
    'text-embedding-3-large': { embeddingPer1kTokens: 0.00013 },
    'text-embedding-ada-002': { embeddingPer1kTokens: 0.0001 },
    'nomic-embed-text': { embeddingPer1kTokens: 0 },
    'gpt-4o-mini': { llmInputPer1kTokens: 0.00015, llmOutputPer1kTokens: 0.0006 },
    'gpt-4o': { llmInputPer1kTokens: 0.0025, llmOutputPer1kTokens: 0.01 },
  },
};

const price = z.number().finite().min(0, 'must be a number >= 0');
const priceTableSchema = z.strictObject({
  currency: z.literal('USD', 'must be "USD"'),
  models: z.record(
    z.string().min(1),
    z.strictObject({
      embeddingPer1kTokens: price.optional(),
      llmInputPer1kTokens: price.optional(),
      llmOutputPer1kTokens: price.optional(),
    }),
  ),
  apiCallsPer1k: price.optional(),
});

/**
 * Checks a price table; a problem is `invalid_input` naming the field path
 * (`models.gpt-4o.llmInputPer1kTokens`), prefixed by `source` when given.
 */
export function parsePriceTable(value: unknown, source = 'prices'): PriceTable {
  const result = priceTableSchema.safeParse(value);
  if (result.success) return result.data as PriceTable;
  const issue = result.error.issues[0];
  const unknownKey = issue?.code === 'unrecognized_keys' ? issue.keys[0] : undefined;
  const path = [source, ...(issue?.path ?? []).map(String), ...(unknownKey === undefined ? [] : [unknownKey])].join('.');
  const problem = unknownKey === undefined ? (issue?.message ?? 'is invalid') : 'is not a known field';
  throw new StrataError('invalid_input', `${path}: ${problem}`, { details: { field: path } });
}

/**
 * The price table named by `STRATA_PRICE_TABLE`: inline JSON (starting with `{`) or the path
 * of a JSON file. Undefined when unset; `misconfigured` naming the variable and field otherwise.
 */
export function priceTableFromEnvironment(environment: NodeJS.ProcessEnv = process.env): PriceTable | undefined {
  const value = environment.STRATA_PRICE_TABLE;
  if (value === undefined || value.trim() === '') return undefined;
  const variable = 'STRATA_PRICE_TABLE';
  const fail = (problem: string, field = variable) =>
    new StrataError('misconfigured', `${field}: ${problem}`, { details: { variable, field } });
  let text = value;
  if (!value.trim().startsWith('{')) {
    if (!existsSync(value)) throw fail(`is neither JSON nor the path of a file (${value} does not exist)`);
    text = readFileSync(value, 'utf8');
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (error) {
    throw fail(`is not valid JSON (${error instanceof Error ? error.message : String(error)})`);
  }
  try {
    return parsePriceTable(parsed, variable);
  } catch (error) {
    const field = error instanceof StrataError ? String(error.details.field) : variable;
    throw fail(error instanceof Error ? error.message.slice(field.length + 2) : String(error), field);
  }
}

// The offline hash embedder runs in-process: it costs nothing whatever its dimensions.
const localModelPrefix = 'strata-hash-';

/** One row of metered usage, as usage reports read it from `usage_daily`. */
export interface UsageRow {
  model: string;
  calls: number;
  embeddingTokens: number;
  /** Prompt tokens sent to an LLM, at `llmInputPer1kTokens`. */
  llmInputTokens?: number;
  /** Tokens an LLM generated, at `llmOutputPer1kTokens`. */
  llmOutputTokens?: number;
  /**
   * LLM tokens without an input/output split (rows from before the meter split them), priced
   * at the higher of the two rates. Read only when neither split figure is given, so a row
   * that carries all three (a usage report's, whose `llmTokens` is their sum) is not counted twice.
   */
  llmTokens?: number;
}

/**
 * The estimated cost of `rows` under `table`: API calls, embedding tokens, and LLM input and
 * output tokens each at their own rate. A row with only an unsplit `llmTokens` is priced at
 * the higher LLM rate, so that estimate errs high, never low. The offline `strata-hash-*`
 * embedders are free. A model missing from the table adds nothing; `unpricedModels` names
 * those that had tokens.
 */
export function estimateCost(rows: readonly UsageRow[], table: PriceTable): { cost: number; unpricedModels: string[] } {
  let cost = 0;
  const unpriced = new Set<string>();
  for (const row of rows) {
    cost += (row.calls / 1000) * (table.apiCallsPer1k ?? 0);
    const split = row.llmInputTokens !== undefined || row.llmOutputTokens !== undefined;
    const tokens = {
      embedding: row.embeddingTokens,
      input: row.llmInputTokens ?? 0,
      output: row.llmOutputTokens ?? 0,
      unsplit: split ? 0 : (row.llmTokens ?? 0),
    };
    if (tokens.embedding === 0 && tokens.input === 0 && tokens.output === 0 && tokens.unsplit === 0) continue;
    const tokenCost = modelTokensCost(table, row.model, tokens);
    if (tokenCost === undefined) unpriced.add(row.model);
    else cost += tokenCost;
  }
  return { cost: roundMoney(cost), unpricedModels: [...unpriced].sort() };
}

/**
 * What `model`'s tokens cost under `table`, unrounded: embedding, LLM input and output tokens
 * at their own rates, `unsplit` LLM tokens at the higher LLM rate. `undefined` when the table
 * has no entry for the model (the offline `strata-hash-*` embedders cost 0).
 */
export function modelTokensCost(
  table: PriceTable,
  model: string,
  tokens: { embedding?: number; input?: number; output?: number; unsplit?: number },
): number | undefined {
  const price = table.models[model] ?? (model.startsWith(localModelPrefix) ? {} : undefined);
  if (price === undefined) return undefined;
  const inputRate = price.llmInputPer1kTokens ?? 0;
  const outputRate = price.llmOutputPer1kTokens ?? 0;
  return (
    ((tokens.embedding ?? 0) / 1000) * (price.embeddingPer1kTokens ?? 0) +
    ((tokens.input ?? 0) / 1000) * inputRate +
    ((tokens.output ?? 0) / 1000) * outputRate +
    ((tokens.unsplit ?? 0) / 1000) * Math.max(inputRate, outputRate)
  );
}

/** Rounds to a millionth of the currency unit, so sums print without float noise. */
export function roundMoney(amount: number): number {
  return Math.round(amount * 1e6) / 1e6;
}

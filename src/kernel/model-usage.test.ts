import { afterAll, beforeAll, expect, it } from 'vitest';
import { failure } from '../../test/support/failure.ts';
import { describeEachStore, openRawDatabase } from '../../test/support/stores.ts';
import { effectiveLimits, type LimitOverrides, type Limits } from '../core/plans.ts';
import type { Database, Queryable } from '../db/database.ts';
import { toStrataError } from '../db/database-errors.ts';
import { createStrata, type Strata } from '../index.ts';
import type { MonthPricing } from './budget.ts';
import { type ModelUsage, modelTokenAllowance, noticeModelLimit, recordModelUsage } from './model-usage.ts';
import type { PriceTable } from './prices.ts';

const prices: PriceTable = {
  currency: 'USD',
  models: { 'llm-b': { llmInputPer1kTokens: 1, llmOutputPer1kTokens: 3 } },
  apiCallsPer1k: 100,
};

// LLM usage recorded the way the extraction worker does: in a tenant session of its own, outside any governed call.
describeEachStore('model usage metering', (target) => {
  let database: Database;
  let strata: Strata;
  let pricing: MonthPricing;
  let clock = new Date('2026-03-10T12:00:00Z');
  beforeAll(async () => {
    database = await openRawDatabase(target);
    strata = await createStrata({ database, prices, now: () => clock, webhooks: { dispatch: false, allow: ['127.0.0.1/32'] } });
    pricing = { prices, embedder: { model: strata.info.embeddingModel } };
  });
  afterAll(() => strata.close());

  const session = <T>(tenantId: string, work: (db: Queryable) => Promise<T>) =>
    database.withSession({ role: 'system', tenantId, clientId: 'default' }, work).catch((error: unknown) => {
      throw toStrataError(error);
    });
  const record = (tenantId: string, usage: Omit<ModelUsage, 'operation'> & { operation?: string }, limits?: Limits, at = clock) =>
    session(tenantId, (db) => recordModelUsage(pricing, db, tenantId, { operation: 'extraction', ...usage }, limits, at));
  // The limits in force, as the worker's session reads them from the tenant's facts.
  const limitsOf = async (tenantId: string): Promise<Limits> => {
    const tenant = await strata.tenants.get(tenantId);
    return effectiveLimits(tenant.plan, tenant.limitOverrides as LimitOverrides);
  };
  const allowance = async (tenantId: string, at = clock) => {
    const limits = await limitsOf(tenantId);
    return session(tenantId, (db) => modelTokenAllowance(db, tenantId, limits, at));
  };
  const meter = (tenantId: string) =>
    session(tenantId, async (db) => {
      const result = await db.query<{ month: string; month_calls: number; month_tokens: number }>(
        'SELECT month::text AS month, month_calls::float8 AS month_calls, month_tokens::float8 AS month_tokens FROM tenant_meter WHERE tenant_id = $1',
        [tenantId],
      );
      return result.rows[0];
    });
  const events = (tenantId: string, type: string) =>
    session(tenantId, async (db) => {
      const result = await db.query<{ payload: { type: string; data: Record<string, unknown> } }>(
        'SELECT payload FROM webhook_deliveries WHERE tenant_id = $1 ORDER BY created_at',
        [tenantId],
      );
      return result.rows.map((row) => row.payload).filter((payload) => payload.type === type);
    });

  it('splits tokens per day, operation and model, counts no API call, and adds them to the month total', async () => {
    clock = new Date('2026-03-10T12:00:00Z');
    await strata.tenants.create({ id: 'split' });
    await record('split', { model: 'llm-b', inputTokens: 100, outputTokens: 20 });
    await record('split', { model: 'llm-b', inputTokens: 50, outputTokens: 5 });
    await record('split', { model: 'llm-c', inputTokens: 7, outputTokens: 3 });
    await record('split', { operation: 'summary', model: 'llm-b', inputTokens: 1, outputTokens: 1 });
    const month = await record('split', { model: 'llm-b', inputTokens: 10, outputTokens: 10 }, undefined, new Date('2026-03-11T08:00:00Z'));
    expect(month).toMatchObject({ monthCalls: 0, monthTokens: 207, monthLlmInputTokens: 168, monthLlmOutputTokens: 39 });
    // llm-b: 161 in at 1/1k + 36 out at 3/1k; llm-c has no price.
    expect(month.monthLlmCost).toBeCloseTo(0.161 + 0.108, 9);
    const rows = await session('split', async (db) => {
      const result = await db.query(
        `SELECT day::text AS day, operation, model, calls::float8 AS calls, embedding_tokens::float8 AS embedding,
           llm_input_tokens::float8 AS input, llm_output_tokens::float8 AS output
         FROM usage_daily WHERE tenant_id = 'split' ORDER BY day, operation, model`,
      );
      return result.rows;
    });
    expect(rows).toEqual([
      { day: '2026-03-10', operation: 'extraction', model: 'llm-b', calls: 0, embedding: 0, input: 150, output: 25 },
      { day: '2026-03-10', operation: 'extraction', model: 'llm-c', calls: 0, embedding: 0, input: 7, output: 3 },
      { day: '2026-03-10', operation: 'summary', model: 'llm-b', calls: 0, embedding: 0, input: 1, output: 1 },
      { day: '2026-03-11', operation: 'extraction', model: 'llm-b', calls: 0, embedding: 0, input: 10, output: 10 },
    ]);

    // A governed call's embedding tokens add to the same month total.
    clock = new Date('2026-03-12T09:00:00Z');
    await strata.as({ tenantId: 'split', userId: 'ann' }).memories.create({ content: 'Prefers the aisle on short flights' });
    const report = await strata.usage.report({ tenantId: 'split', from: '2026-03-12', to: '2026-03-12' });
    expect(report.totals.embeddingTokens).toBeGreaterThan(0);
    // Two API calls: the create and the report.
    expect(await meter('split')).toEqual({ month: '2026-03-01', month_calls: 2, month_tokens: 207 + report.totals.embeddingTokens });

    // A new month starts every counter from zero.
    const april = await record('split', { model: 'llm-b', inputTokens: 4, outputTokens: 1 }, undefined, new Date('2026-04-01T00:00:00Z'));
    expect(april).toMatchObject({ monthCalls: 0, monthTokens: 5, monthLlmInputTokens: 4, monthLlmOutputTokens: 1 });
    expect(april.monthLlmCost).toBeCloseTo(0.007, 9);
  });

  it('tokensPerMonth counts LLM tokens: the allowance closes at the limit until the next month, and embedding past it is refused', async () => {
    clock = new Date('2026-03-15T12:00:00Z');
    await strata.tenants.create({ id: 'capped', limits: { tokensPerMonth: 1000 } });
    expect(await allowance('capped')).toEqual({ allowed: true, remaining: 1000 });
    const limits = await limitsOf('capped');
    await record('capped', { model: 'llm-b', inputTokens: 600, outputTokens: 300 }, limits);
    expect(await allowance('capped')).toEqual({ allowed: true, remaining: 100 });
    // Admitted with 100 left, the call used more: its tokens are recorded all the same.
    await record('capped', { model: 'llm-b', inputTokens: 250, outputTokens: 50 }, limits);
    const refusal = await allowance('capped');
    expect(refusal).toEqual({ allowed: false, used: 1200, limit: 1000, resumesAt: '2026-04-01T00:00:00.000Z' });

    // The tenant hears of it once, whether the job or a refused API call noticed first.
    await strata.as({ tenantId: 'capped' }).webhooks.create({ url: 'http://127.0.0.1:9/hook', events: ['limit.exceeded'] });
    if (refusal.allowed) throw new Error('expected a refusal');
    await session('capped', (db) => noticeModelLimit(db, 'capped', refusal, clock));
    await session('capped', (db) => noticeModelLimit(db, 'capped', refusal, clock));
    const capped = strata.as({ tenantId: 'capped', userId: 'ann' });
    expect(await failure(capped.memories.create({ content: 'Window seat again' }))).toMatchObject({
      code: 'limit_exceeded',
      details: { limit: 'tokensPerMonth', maximum: 1000 },
    });
    // Calls that add no tokens still work.
    expect((await capped.memories.list()).items).toEqual([]);
    const notices = await events('capped', 'limit.exceeded');
    expect(notices.map((notice) => notice.data)).toEqual([
      { tenantId: 'capped', limit: 'tokensPerMonth', current: 1200, maximum: 1000, period: '2026-03' },
    ]);

    // The next month admits it again.
    expect(await allowance('capped', new Date('2026-04-01T00:00:00Z'))).toEqual({ allowed: true, remaining: 1000 });
    // December resumes in January; an unlimited tenant is always admitted.
    await strata.tenants.create({ id: 'december', limits: { tokensPerMonth: 10 } });
    const newYearsEve = new Date('2026-12-31T23:59:59Z');
    await record('december', { model: 'llm-b', inputTokens: 5, outputTokens: 5 }, undefined, newYearsEve);
    expect(await allowance('december', newYearsEve)).toMatchObject({ allowed: false, resumesAt: '2027-01-01T00:00:00.000Z' });
    expect(await allowance('split')).toEqual({ allowed: true, remaining: null });
  });

  it('queues budget.exceeded once, pricing input and output at their own rates, from LLM calls and API calls alike', async () => {
    clock = new Date('2026-03-20T12:00:00Z');
    await strata.tenants.create({ id: 'budgeted', limits: { monthlyBudget: 5 } });
    // One API call: 0.1.
    await strata.as({ tenantId: 'budgeted' }).webhooks.create({ url: 'http://127.0.0.1:9/hook', events: ['budget.exceeded'] });
    const limits = await limitsOf('budgeted');
    // 1,000 in at 1/1k + 1,000 out at 3/1k = 4 (the higher rate for both would be 6, over the budget).
    await record('budgeted', { model: 'llm-b', inputTokens: 1000, outputTokens: 1000 }, limits);
    await record('budgeted', { model: 'llm-b', inputTokens: 500, outputTokens: 0 }, limits);
    expect(await events('budgeted', 'budget.exceeded')).toEqual([]);
    // 4.6 so far: API calls at 0.1 each take it to 5.0 (not past) and then 5.1.
    const admin = strata.as({ tenantId: 'budgeted' });
    for (let call = 0; call < 4; call += 1) await admin.memories.list();
    expect(await events('budgeted', 'budget.exceeded')).toEqual([]);
    await admin.memories.list();
    await record('budgeted', { model: 'llm-b', inputTokens: 0, outputTokens: 200 }, limits);
    await record('budgeted', { model: 'unpriced-model', inputTokens: 10, outputTokens: 10 }, limits);
    const notices = await events('budgeted', 'budget.exceeded');
    expect(notices.map((notice) => notice.data)).toEqual([
      { tenantId: 'budgeted', limit: 'monthlyBudget', current: 5.1, maximum: 5, period: '2026-03' },
    ]);
    const report = await strata.usage.report({ tenantId: 'budgeted', from: '2026-03-20', to: '2026-03-20' });
    expect(report.totals).toMatchObject({ llmInputTokens: 1510, llmOutputTokens: 1210, unpricedModels: ['unpriced-model'] });
  });

  it('names a bad field, refuses another tenant, and finds a gone tenant not_found', async () => {
    clock = new Date('2026-03-25T12:00:00Z');
    await strata.tenants.create({ id: 'checked' });
    const bad: Array<[Partial<ModelUsage>, string]> = [
      [{ inputTokens: -1 }, 'inputTokens'],
      [{ outputTokens: 1.5 }, 'outputTokens'],
      [{ operation: '' }, 'operation'],
      [{ model: '' }, 'model'],
    ];
    for (const [change, field] of bad) {
      const error = await failure(record('checked', { model: 'llm-b', inputTokens: 1, outputTokens: 1, ...change }));
      expect(error, field).toMatchObject({ code: 'invalid_input', details: { field } });
    }
    // The database function meters only the session's own tenant.
    const foreign = await failure(
      session('checked', (db) =>
        recordModelUsage(
          pricing,
          db,
          'split',
          { operation: 'extraction', model: 'llm-b', inputTokens: 1, outputTokens: 1 },
          undefined,
          clock,
        ),
      ),
    );
    expect(foreign.code).toBe('forbidden');
    expect(await meter('checked')).toMatchObject({ month_tokens: 0 });
    expect((await failure(record('ghost', { model: 'llm-b', inputTokens: 1, outputTokens: 1 }))).code).toBe('not_found');
    const ghost = await failure(session('ghost', (db) => modelTokenAllowance(db, 'ghost', undefined, clock)));
    expect(ghost.code).toBe('not_found');
  });
});

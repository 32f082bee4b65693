import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { failure } from '../../../test/support/failure.ts';
import { startTestServer, type TestServer } from '../../../test/support/http-server.ts';
import { schemaCheckingFetch } from '../../../test/support/response-check.ts';
import { describeEachStore, openRawDatabase } from '../../../test/support/stores.ts';
import { createStrataClient } from '../../client/index.ts';
import type { Database } from '../../db/database.ts';
import { createStrata, type Strata } from '../../index.ts';
import { appendTenantEntry, type MeterDelta } from '../../kernel/audit-chain.ts';
import { type ModelUsage, recordModelUsage } from '../../kernel/model-usage.ts';
import { estimateCost, type PriceTable, parsePriceTable, priceTableFromEnvironment } from '../../kernel/prices.ts';

const prices: PriceTable = {
  currency: 'USD',
  models: { 'embed-a': { embeddingPer1kTokens: 0.5 }, 'llm-b': { llmInputPer1kTokens: 1, llmOutputPer1kTokens: 3 } },
  apiCallsPer1k: 10,
};

/** A known sequence of metered calls on past days (the report call itself is metered today, outside the range). */
const metered: Array<Omit<MeterDelta, 'calls' | 'errors'> & { outcome: 'ok' | 'error' }> = [
  { day: '2026-01-01', operation: 'memories.create', model: 'embed-a', embeddingTokens: 1000, outcome: 'ok' },
  { day: '2026-01-01', operation: 'memories.create', model: 'embed-a', embeddingTokens: 3000, outcome: 'ok' },
  { day: '2026-01-01', operation: 'memories.get', model: '', embeddingTokens: 0, outcome: 'error' },
  { day: '2026-01-02', operation: 'search', model: 'embed-a', embeddingTokens: 2000, outcome: 'ok' },
  { day: '2026-01-02', operation: 'context', model: '', embeddingTokens: 0, outcome: 'ok' },
  { day: '2026-01-03', operation: 'search', model: 'mystery-model', embeddingTokens: 500, outcome: 'ok' },
];

/** Two LLM calls of a background job on 2026-01-02, metered as the extraction worker does. */
const modelCalls: ModelUsage[] = [
  { operation: 'extraction', model: 'llm-b', inputTokens: 1000, outputTokens: 500 },
  { operation: 'extraction', model: 'llm-b', inputTokens: 200, outputTokens: 100 },
];

async function meterModelCalls(database: Database, tenantId: string, calls: readonly ModelUsage[]): Promise<void> {
  const pricing = { prices, embedder: { model: 'embed-a' } };
  for (const usage of calls) {
    await database.withSession({ role: 'system', tenantId, clientId: 'app1' }, (db) =>
      recordModelUsage(pricing, db, tenantId, usage, undefined, new Date('2026-01-02T11:00:00Z')),
    );
  }
}

async function meter(database: Database, tenantId: string, rows: typeof metered): Promise<void> {
  for (const [index, row] of rows.entries()) {
    const { outcome, ...delta } = row;
    await database.withSession({ role: 'admin', tenantId, clientId: 'default' }, (db) =>
      appendTenantEntry(
        db,
        {
          tenantId,
          at: `${row.day}T10:00:0${index}.000Z`,
          actorRole: 'admin',
          actorClient: 'default',
          actorUser: null,
          keyId: null,
          action: row.operation,
          targetIds: [],
          outcome,
          errorCode: outcome === 'error' ? 'not_found' : null,
          requestId: null,
        },
        { ...delta, calls: 1, errors: outcome === 'error' ? 1 : 0 },
      ),
    );
  }
}

describeEachStore('usage reports', (target) => {
  let database: Database;
  let strata: Strata;
  beforeAll(async () => {
    database = await openRawDatabase(target);
    strata = await createStrata({ database, prices });
    await strata.tenants.create({ id: 'acme', clientId: 'app1' });
    await strata.tenants.create({ id: 'globex', clientId: 'app2' });
    await meter(database, 'acme', metered);
    await meterModelCalls(database, 'acme', modelCalls);
    await meter(database, 'globex', [metered[0] as (typeof metered)[number]]);
    // Storage snapshots: one before the range, one inside it.
    await database.withSession({ role: 'admin', tenantId: 'acme' }, async (db) => {
      await db.query(
        `INSERT INTO storage_daily (tenant_id, day, memories, bytes) VALUES ('acme', '2025-12-30', 10, 1000), ('acme', '2026-01-02', 12, 1500)`,
      );
    });
  });
  afterAll(() => strata.close());

  it('sums a known sequence of metered calls, by day, operation and model, priced by the custom table', async () => {
    const report = await strata.usage.report({ tenantId: 'acme', from: '2026-01-01', to: '2026-01-04' });
    // Calls 6 × 10/1k = 0.06; embed-a 6,000 tokens × 0.5/1k = 3; llm-b 1,200 in × 1/1k + 600 out × 3/1k = 3; mystery unpriced.
    expect(report.totals).toEqual({
      calls: 6,
      errors: 1,
      embeddingTokens: 6500,
      llmInputTokens: 1200,
      llmOutputTokens: 600,
      llmTokens: 1800,
      estimatedCost: 6.06,
      unpricedModels: ['mystery-model'],
    });
    expect(report).toMatchObject({ tenantId: 'acme', from: '2026-01-01', to: '2026-01-04', currency: 'USD' });
    const noLlm = { llmInputTokens: 0, llmOutputTokens: 0, llmTokens: 0 };
    expect(report.byDay).toEqual([
      { day: '2026-01-01', calls: 3, errors: 1, embeddingTokens: 4000, ...noLlm, estimatedCost: 2.03, memories: 10, storageBytes: 1000 },
      {
        day: '2026-01-02',
        calls: 2,
        errors: 0,
        embeddingTokens: 2000,
        llmInputTokens: 1200,
        llmOutputTokens: 600,
        llmTokens: 1800,
        estimatedCost: 4.02,
        memories: 12,
        storageBytes: 1500,
      },
      { day: '2026-01-03', calls: 1, errors: 0, embeddingTokens: 500, ...noLlm, estimatedCost: 0.01, memories: 12, storageBytes: 1500 },
      { day: '2026-01-04', calls: 0, errors: 0, embeddingTokens: 0, ...noLlm, estimatedCost: 0, memories: 12, storageBytes: 1500 },
    ]);
    // The background job's LLM calls are no API calls: an operation row with tokens and no calls.
    expect(report.byOperation).toEqual([
      { operation: 'memories.create', calls: 2, errors: 0, embeddingTokens: 4000, ...noLlm, estimatedCost: 2.02 },
      { operation: 'search', calls: 2, errors: 0, embeddingTokens: 2500, ...noLlm, estimatedCost: 1.02 },
      { operation: 'context', calls: 1, errors: 0, embeddingTokens: 0, ...noLlm, estimatedCost: 0.01 },
      { operation: 'memories.get', calls: 1, errors: 1, embeddingTokens: 0, ...noLlm, estimatedCost: 0.01 },
      {
        operation: 'extraction',
        calls: 0,
        errors: 0,
        embeddingTokens: 0,
        llmInputTokens: 1200,
        llmOutputTokens: 600,
        llmTokens: 1800,
        estimatedCost: 3,
      },
    ]);
    expect(report.byModel).toEqual([
      { model: 'embed-a', calls: 3, errors: 0, embeddingTokens: 6000, ...noLlm, estimatedCost: 3.03 },
      {
        model: 'llm-b',
        calls: 0,
        errors: 0,
        embeddingTokens: 0,
        llmInputTokens: 1200,
        llmOutputTokens: 600,
        llmTokens: 1800,
        estimatedCost: 3,
      },
      { model: 'mystery-model', calls: 1, errors: 0, embeddingTokens: 500, ...noLlm, estimatedCost: 0.01 },
    ]);
    // A range narrower than the data counts only its own days.
    const second = await strata.usage.report({ tenantId: 'acme', from: '2026-01-02', to: '2026-01-02' });
    expect(second.totals).toMatchObject({
      calls: 2,
      embeddingTokens: 2000,
      llmInputTokens: 1200,
      llmOutputTokens: 600,
      estimatedCost: 4.02,
    });
  });

  it("gives a tenant admin its own tenant's report, and the plan's limits in force", async () => {
    const own = await strata.as({ tenantId: 'acme' }).usage.report({ from: '2026-01-01', to: '2026-01-04' });
    expect(own.totals.calls).toBe(6);
    const globex = await strata.as({ tenantId: 'globex', role: 'admin' }).usage.report({ from: '2026-01-01', to: '2026-01-01' });
    expect(globex.totals).toMatchObject({ calls: 1, embeddingTokens: 1000 });
    await strata.tenants.create({ id: 'starter-co', plan: 'starter' });
    const limited = await strata.as({ tenantId: 'starter-co' }).usage.report();
    expect(limited.limits).toMatchObject({ memories: 10_000, apiCallsPerDay: 50_000 });
    expect(own.limits).toBeUndefined();
  });

  it("keeps one tenant's usage from every other caller", async () => {
    const globexAdmin = strata.as({ tenantId: 'globex' });
    const named = await failure(globexAdmin.usage.report({ tenantId: 'acme' }));
    expect(named).toMatchObject({ code: 'forbidden', details: { field: 'tenantId' } });
    for (const role of ['member', 'reader'] as const) {
      const refused = await failure(strata.as({ tenantId: 'acme', role }).usage.report());
      expect(refused.code).toBe('forbidden');
    }
    const otherClient = await failure(strata.as({ role: 'client_admin', clientId: 'app2' }).usage.report({ tenantId: 'acme' }));
    expect(otherClient.code).toBe('not_found');
    const ownClient = await strata
      .as({ role: 'client_admin', clientId: 'app1' })
      .usage.report({ tenantId: 'acme', from: '2026-01-01', to: '2026-01-04' });
    expect(ownClient.totals.calls).toBe(6);
    expect((await failure(strata.usage.report({ tenantId: 'nobody' }))).code).toBe('not_found');
  });

  it('names the field of a bad date or range, and of a missing tenant', async () => {
    const cases: Array<[Record<string, unknown>, string]> = [
      [{ tenantId: 'acme', from: '2026-1-01' }, 'from'],
      [{ tenantId: 'acme', from: '2026-02-30' }, 'from'],
      [{ tenantId: 'acme', to: 'yesterday' }, 'to'],
      [{ tenantId: 'acme', from: '2026-02-02', to: '2026-02-01' }, 'from'],
      [{ tenantId: 'acme', from: '2025-01-01', to: '2026-01-02' }, 'to'],
      [{ tenantId: 'acme', period: 'month' }, 'period'],
      [{}, 'tenantId'],
    ];
    for (const [query, field] of cases) {
      const error = await failure(strata.usage.report(query as never));
      expect(error, JSON.stringify(query)).toMatchObject({ code: 'invalid_input', details: { field } });
    }
  });

  it('meters real operations: calls, embedding tokens and the model, per operation', async () => {
    await strata.tenants.create({ id: 'live' });
    const user = strata.as({ tenantId: 'live', userId: 'ann' });
    for (const content of ['Prefers window seats', 'Vegetarian meals', 'Flies to Lisbon in May']) await user.memories.create({ content });
    await user.search({ query: 'seat' });
    await user.search({ query: 'meal' });
    const report = await strata.usage.report({ tenantId: 'live' });
    const today = new Date().toISOString().slice(0, 10);
    expect(report.to).toBe(today);
    expect(report.byOperation.find((row) => row.operation === 'memories.create')).toMatchObject({ calls: 3, errors: 0 });
    expect(report.byOperation.find((row) => row.operation === 'search')).toMatchObject({ calls: 2, errors: 0 });
    expect(report.totals.embeddingTokens).toBeGreaterThan(0);
    // The offline hash embedder is free and counts as priced.
    expect(report.byModel.map((row) => row.model)).toEqual([strata.info.embeddingModel]);
    expect(report.totals.unpricedModels).toEqual([]);
    expect(report.current).toEqual({ memories: 3, storageBytes: expect.any(Number), users: expect.any(Number) });
    expect(report.byDay.at(-1)).toMatchObject({ day: today, calls: 5, memories: 3 });
  });
});

describe('price tables', () => {
  it('estimates cost per model and API calls, LLM input and output at their own rates', () => {
    const rows = [
      { model: 'embed-a', calls: 1000, embeddingTokens: 2000 },
      { model: 'llm-b', calls: 0, embeddingTokens: 0, llmInputTokens: 500, llmOutputTokens: 250 },
      { model: 'strata-hash-v1/384', calls: 0, embeddingTokens: 10_000 },
      { model: 'unknown', calls: 0, embeddingTokens: 7 },
    ];
    // 10 for the calls + 1 for embed-a + 0.5 in and 0.75 out for llm-b.
    expect(estimateCost(rows, prices)).toEqual({ cost: 10 + 1 + 0.5 + 0.75, unpricedModels: ['unknown'] });
    // A report row carries the sum too: it is not counted again.
    expect(
      estimateCost([{ model: 'llm-b', calls: 0, embeddingTokens: 0, llmInputTokens: 500, llmOutputTokens: 250, llmTokens: 750 }], prices)
        .cost,
    ).toBe(1.25);
  });

  it('prices LLM tokens without a split (callers from before it) at the higher rate', () => {
    const rows = [
      { model: 'embed-a', calls: 1000, embeddingTokens: 2000, llmTokens: 0 },
      { model: 'llm-b', calls: 0, embeddingTokens: 0, llmTokens: 500 },
    ];
    expect(estimateCost(rows, prices)).toEqual({ cost: 10 + 1 + 1.5, unpricedModels: [] });
  });

  it('rejects a bad table naming the field', () => {
    const bad: Array<[unknown, string]> = [
      [{ currency: 'EUR', models: {} }, 'prices.currency'],
      [{ currency: 'USD', models: { m: { embeddingPer1kTokens: -1 } } }, 'prices.models.m.embeddingPer1kTokens'],
      [{ currency: 'USD', models: { m: { perToken: 1 } } }, 'prices.models.m.perToken'],
      [{ currency: 'USD' }, 'prices.models'],
      [{ currency: 'USD', models: {}, apiCallsPer1k: 'free' }, 'prices.apiCallsPer1k'],
    ];
    for (const [table, field] of bad) {
      expect(() => parsePriceTable(table), field).toThrow(expect.objectContaining({ code: 'invalid_input', details: { field } }));
    }
  });

  it('reads STRATA_PRICE_TABLE as JSON or a file, and names the variable and field when it is wrong', () => {
    expect(priceTableFromEnvironment({})).toBeUndefined();
    expect(priceTableFromEnvironment({ STRATA_PRICE_TABLE: JSON.stringify(prices) })).toEqual(prices);
    const file = join(mkdtempSync(join(tmpdir(), 'strata-prices-')), 'prices.json');
    writeFileSync(file, JSON.stringify(prices));
    expect(priceTableFromEnvironment({ STRATA_PRICE_TABLE: file })).toEqual(prices);
    const cases: Array<[string, RegExp]> = [
      ['{"currency":', /STRATA_PRICE_TABLE: is not valid JSON/],
      ['/nowhere/prices.json', /STRATA_PRICE_TABLE: is neither JSON nor the path of a file/],
      ['{"currency":"USD","models":{"m":{"embeddingPer1kTokens":"x"}}}', /STRATA_PRICE_TABLE\.models\.m\.embeddingPer1kTokens: /],
    ];
    for (const [value, message] of cases) {
      expect(() => priceTableFromEnvironment({ STRATA_PRICE_TABLE: value })).toThrow(message);
      expect(() => priceTableFromEnvironment({ STRATA_PRICE_TABLE: value })).toThrow(
        expect.objectContaining({ code: 'misconfigured', details: expect.objectContaining({ variable: 'STRATA_PRICE_TABLE' }) }),
      );
    }
  });

  it('refuses to open a store with a bad prices option', async () => {
    const error = await failure(
      createStrata({ inMemory: true, prices: { currency: 'USD', models: { m: { embeddingPer1kTokens: Number.NaN } } } }),
    );
    expect(error).toMatchObject({ code: 'invalid_input', details: { field: 'prices.models.m.embeddingPer1kTokens' } });
  });
});

describeEachStore('usage over HTTP', (target) => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer(target, { store: { prices } });
    await server.client.tenants.create({ id: 'acme' });
    await server.client.tenants.create({ id: 'globex' });
    await server.client.as({ tenantId: 'acme', userId: 'ann' }).memories.create({ content: 'Prefers window seats' });
  });
  afterAll(() => server.close());

  it('answers GET /v1/usage for the operator and the tenant key, and refuses another tenant', async () => {
    // Checked against the published response schema, with and without limits in force.
    const checked = createStrataClient({ baseUrl: server.url, apiKey: server.adminKey, fetch: schemaCheckingFetch() });
    const report = await checked.usage.report({ tenantId: 'acme' });
    expect(report.byOperation.find((row) => row.operation === 'memories.create')?.calls).toBe(1);
    await server.client.tenants.create({ id: 'small', plan: 'starter' });
    expect((await checked.usage.report({ tenantId: 'small' })).limits).toMatchObject({ memories: 10_000 });
    const { secret } = await server.client.keys.create({ tenantId: 'globex', role: 'admin' });
    const response = await fetch(`${server.url}/v1/usage?tenantId=acme`, { headers: { authorization: `Bearer ${secret}` } });
    expect(response.status).toBe(403);
    const own = await fetch(`${server.url}/v1/usage?from=2026-01-01&to=2026-01-02`, { headers: { authorization: `Bearer ${secret}` } });
    expect(own.status).toBe(200);
    expect(await own.json()).toMatchObject({ tenantId: 'globex', totals: { calls: 0 } });
    const bad = await fetch(`${server.url}/v1/usage?tenantId=acme&from=2026-13-01`, {
      headers: { authorization: `Bearer ${server.adminKey}` },
    });
    expect(bad.status).toBe(400);
    expect(await bad.json()).toMatchObject({ code: 'invalid_input' });
  });
});

import { afterAll, beforeAll, expect, it } from 'vitest';
import {
  type ExportHandle,
  expectSameTenant,
  exportLines,
  observeTenant,
  otherTenantMarker,
  portableRecords,
  seedOtherTenant,
  seedTenant,
} from '../../../test/support/export-helpers.ts';
import { describeEachStore, openRawDatabase } from '../../../test/support/stores.ts';
import { tenantTablesChildrenFirst } from '../../db/tenant-tables.ts';
import { createStrata, defaultPriceTable, type ExportProgress, type Strata, StrataError } from '../../index.ts';
import { recordModelUsage } from '../../kernel/model-usage.ts';
import { tenantTableDisposition } from './export-records.ts';

describeEachStore('tenant export and import', (target) => {
  let strata: Strata;
  let handle: ExportHandle;
  let updatedId: string;
  let lines: string[];

  beforeAll(async () => {
    strata = await target.open();
    handle = strata as unknown as ExportHandle;
    await seedOtherTenant(handle, 'other');
    ({ updatedId } = await seedTenant(handle, 'source'));
    lines = await exportLines(handle, 'source');
  });
  afterAll(() => strata.close());

  it('every tenant table is exported or skipped for a stated reason', async () => {
    const database = await openRawDatabase(target);
    try {
      const tables = await database.asOwner(tenantTablesChildrenFirst);
      expect(tables.filter((table) => tenantTableDisposition[table] === undefined)).toEqual([]);
    } finally {
      await database.close();
    }
  });

  it('writes a header, every kind of record and a trailer that counts them', () => {
    const records = lines.map((line) => JSON.parse(line));
    expect(records[0]).toMatchObject({
      type: 'strata-export',
      version: 1,
      tenantId: 'source',
      embeddingModel: strata.info.embeddingModel,
      dimensions: strata.info.dimensions,
    });
    expect(records[1]).toMatchObject({ type: 'tenant', id: 'source', clientId: 'app1', settings: { tone: 'formal' } });
    const trailer = records.at(-1);
    expect(trailer.type).toBe('strata-export-end');
    const counted: Record<string, number> = {};
    for (const record of records.slice(1, -1)) counted[record.type] = (counted[record.type] ?? 0) + 1;
    expect(trailer.counts).toEqual(counted);
    const memories = records.filter((record) => record.type === 'memory');
    expect(new Set(memories.map((memory) => memory.kind))).toEqual(new Set(['memory', 'document', 'chunk']));
    expect(
      memories.filter((memory) => memory.kind !== 'document').every((memory) => memory.embedding.length === strata.info.dimensions),
    ).toBe(true);
    expect(memories.some((memory) => memory.scope === 'user' && memory.userId === 'alice')).toBe(true);
    expect(memories.some((memory) => memory.expiresAt === '2099-01-01T00:00:00.000Z')).toBe(true);
    expect(counted.history).toBe(2);
    expect(counted.user).toBe(2);
    expect(counted.conversation).toBe(2);
    expect(counted.message).toBe(2);
    expect(counted.audit).toBeGreaterThan(0);
  });

  it("never carries a byte of another tenant's content, nor any key hash or webhook secret", () => {
    const text = lines.join('\n');
    expect(text).not.toContain(otherTenantMarker);
    expect(text).not.toMatch(/key_hash|keyHash|secret/);
  });

  it('imports into a new tenant that searches, lists and keeps history exactly like the source', async () => {
    const progress: ExportProgress[] = [];
    const report = await strata.exports.import('copy', lines, { batchSize: 3, onProgress: (step) => progress.push(step) });
    expect(report).toMatchObject({ tenantId: 'copy', sourceTenantId: 'source' });
    expect(report.imported.memory).toBe(report.counts.memory);
    expect(progress.length).toBeGreaterThan(3);
    const copied = await exportLines(handle, 'copy');
    expect(portableRecords(copied)).toEqual(portableRecords(lines));
    expect((await strata.tenants.get('copy')).status).toBe('active');
    const tenantOf = (all: string[]) => {
      const { id: _id, createdAt: _created, updatedAt: _updated, ...rest } = JSON.parse(all[1] ?? '{}');
      return rest;
    };
    expect(tenantOf(copied)).toEqual(tenantOf(lines));
    expect(tenantOf(lines)).toMatchObject({ plan: 'pro', limits: { memories: 10_000, apiCallsPerDay: 'unlimited' } });
    expectSameTenant(await observeTenant(handle, 'copy', updatedId), await observeTenant(handle, 'source', updatedId));
  });

  it('refuses to export for a member or reader, and another tenant for an admin', async () => {
    for (const role of ['member', 'reader'] as const) {
      await expect(strata.as({ tenantId: 'source', userId: 'bob', role }).exports.export('source')).rejects.toMatchObject({
        code: 'forbidden',
      });
    }
    await expect(strata.as({ tenantId: 'other' }).exports.export('source')).rejects.toMatchObject({ code: 'not_found' });
    await expect(strata.as({ clientId: 'app2', role: 'client_admin' }).exports.export('source')).rejects.toMatchObject({
      code: 'not_found',
    });
    const own = await exportLines(strata.as({ tenantId: 'source' }) as unknown as ExportHandle, 'source');
    expect(own.length).toBeGreaterThan(10);
    await expect(strata.as({ tenantId: 'source' }).exports.import('x1', lines)).rejects.toMatchObject({ code: 'forbidden' });
  });

  it.each([
    ['without its trailer', (all: string[]) => all.slice(0, -1), 'trailer'],
    ['cut inside a line', (all: string[]) => [...all.slice(0, 20), (all[20] ?? '').slice(0, 30)], 'line'],
    ['with a trailer that counts differently', (all: string[]) => [...all.slice(0, 8), ...all.slice(9)], 'counts.'],
  ])('refuses a file %s, naming the problem, and keeps nothing', async (_name, damage, field) => {
    const error = await strata.exports.import('broken', damage(lines)).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(StrataError);
    expect((error as StrataError).code).toBe('invalid_input');
    expect(String((error as StrataError).details.field)).toContain(field);
    await expect(strata.tenants.get('broken')).rejects.toMatchObject({ code: 'not_found' });
    await expect(strata.as({ tenantId: 'broken' }).memories.list()).rejects.toMatchObject({ code: 'not_found' });
  });

  it('refuses a file from another embedding model or dimension count, naming the field', async () => {
    const header = JSON.parse(lines[0] ?? '{}');
    for (const [field, value] of [
      ['embeddingModel', 'other-model'],
      ['dimensions', header.dimensions + 1],
    ] as const) {
      const damaged = [JSON.stringify({ ...header, [field]: value }), ...lines.slice(1)];
      await expect(strata.exports.import('model', damaged)).rejects.toMatchObject({ code: 'invalid_input', details: { field } });
    }
    await expect(strata.tenants.get('model')).rejects.toMatchObject({ code: 'not_found' });
  });

  it('refuses rows that refer to a user or memory the file does not define, naming the line and field (not a 500)', async () => {
    const parsed = lines.map((line) => JSON.parse(line) as { type: string; userId?: string | null; memoryId?: string });
    const memoryLine = parsed.findIndex((record) => record.type === 'memory' && typeof record.userId === 'string');
    const historyLine = parsed.findIndex((record) => record.type === 'history');
    expect(memoryLine).toBeGreaterThan(0);
    expect(historyLine).toBeGreaterThan(0);
    for (const [index, field, value] of [
      [memoryLine, 'userId', 'ghost-user'],
      [historyLine, 'memoryId', '0190aaaa-0000-7000-8000-000000000000'],
    ] as const) {
      const damaged = lines.map((line, at) => (at === index ? JSON.stringify({ ...parsed[at], [field]: value }) : line));
      await expect(strata.exports.import('dangling', damaged)).rejects.toMatchObject({
        code: 'invalid_input',
        details: { field, line: index + 1 },
      });
      await expect(strata.tenants.get('dangling')).rejects.toMatchObject({ code: 'not_found' });
    }
  });

  it('refuses a collection document of a collection the file does not declare, or with an indexed value too large to key', async () => {
    const parsed = lines.map((line) => JSON.parse(line) as { type: string; document?: Record<string, unknown> });
    const at = parsed.findIndex((record) => record.type === 'collection_document');
    expect(at).toBeGreaterThan(0);
    for (const [field, change] of [
      ['collection', { collection: 'undeclared' }],
      ['document', { document: { ...parsed[at]?.document, status: 'x'.repeat(2_000) } }],
    ] as const) {
      const damaged = lines.map((line, index) => (index === at ? JSON.stringify({ ...parsed[at], ...change }) : line));
      await expect(strata.exports.import('bad-docs', damaged)).rejects.toMatchObject({
        code: 'invalid_input',
        details: { field, line: at + 1 },
      });
      await expect(strata.tenants.get('bad-docs')).rejects.toMatchObject({ code: 'not_found' });
    }
  });

  it('refuses to import over an existing tenant', async () => {
    await expect(strata.exports.import('other', lines)).rejects.toMatchObject({ code: 'conflict' });
    expect((await strata.as({ tenantId: 'other' }).memories.list()).items.length).toBe(1);
  });
});

describeEachStore('tenant export of a large tenant', (target) => {
  let strata: Strata;
  beforeAll(async () => {
    strata = await target.open({ autoIndex: false });
    await strata.tenants.create({ id: 'big' });
    const big = strata.as({ tenantId: 'big' });
    for (let start = 0; start < 5_000; start += 500) {
      await big.memories.createMany(
        Array.from({ length: 500 }, (_, index) => ({ content: `Record ${start + index} about topic ${(start + index) % 97}` })),
      );
    }
    await seedOtherTenant(strata as unknown as ExportHandle, 'neighbour');
  }, 300_000);
  afterAll(() => strata.close());

  it('exports in many short chunks while another tenant searches in between', async () => {
    const progress: ExportProgress[] = [];
    const stream = await strata.exports.export('big', { batchSize: 500, onProgress: (step) => progress.push(step) });
    const neighbour = strata.as({ tenantId: 'neighbour' });
    let memories = 0;
    let searches = 0;
    for await (const record of stream) {
      if (record.type !== 'memory') continue;
      memories += 1;
      // Between chunks no transaction is open: the neighbour's search runs (on PGlite's single connection too).
      if (memories % 1_000 === 0) {
        const { hits } = await neighbour.search({ query: 'window seats', mode: 'hybrid' });
        expect(hits.length).toBeGreaterThan(0);
        searches += 1;
      }
    }
    expect(memories).toBe(5_000);
    expect(searches).toBe(5);
    expect(progress.at(-1)?.counts.memory).toBe(5_000);
    // 10 memory chunks of 500 (plus the tenant read and the other sections).
    expect(progress.at(-1)?.chunks).toBeGreaterThanOrEqual(11);
    const concurrent = await Promise.all([
      (async () => {
        let count = 0;
        for await (const _record of await strata.exports.export('big')) count += 1;
        return count;
      })(),
      neighbour.search({ query: 'green tea', mode: 'vector' }),
    ]);
    expect(concurrent[0]).toBeGreaterThan(5_000);
    expect(concurrent[1].hits.length).toBeGreaterThan(0);
  }, 300_000);
});

describeEachStore('tenant export of LLM usage', (target) => {
  let strata: Strata;
  let handle: ExportHandle;
  beforeAll(async () => {
    const database = await openRawDatabase(target);
    strata = await createStrata({ database });
    handle = strata as unknown as ExportHandle;
    await strata.tenants.create({ id: 'metered' });
    const pricing = { prices: defaultPriceTable, embedder: { model: strata.info.embeddingModel } };
    await database.withSession({ role: 'system', tenantId: 'metered', clientId: 'default' }, (db) =>
      recordModelUsage(
        pricing,
        db,
        'metered',
        { operation: 'extraction', model: 'gpt-4o-mini', inputTokens: 120, outputTokens: 30 },
        undefined,
        new Date(),
      ),
    );
  });
  afterAll(() => strata.close());

  const extractionRow = (all: readonly string[]) =>
    all
      .map((line) => JSON.parse(line) as Record<string, unknown>)
      .find((record) => record.type === 'usage_daily' && record.operation === 'extraction');

  it('carries LLM input and output tokens apart, and imports a file from before the split with its one figure as input', async () => {
    const lines = await exportLines(handle, 'metered');
    const row = extractionRow(lines);
    expect(row).toMatchObject({ model: 'gpt-4o-mini', calls: 0, llmInputTokens: 120, llmOutputTokens: 30 });
    expect(row).not.toHaveProperty('llmTokens');
    await strata.exports.import('metered-copy', lines);
    expect(extractionRow(await exportLines(handle, 'metered-copy'))).toEqual(row);

    const older = lines.map((line) => {
      const { llmInputTokens, llmOutputTokens, ...record } = JSON.parse(line);
      return record.type === 'usage_daily' ? JSON.stringify({ ...record, llmTokens: llmInputTokens + llmOutputTokens }) : line;
    });
    await strata.exports.import('metered-older', older);
    expect(extractionRow(await exportLines(handle, 'metered-older'))).toMatchObject({ llmInputTokens: 150, llmOutputTokens: 0 });

    const both = lines.map((line) => (line === JSON.stringify(row) ? JSON.stringify({ ...row, llmTokens: 150 }) : line));
    const error = await strata.exports.import('metered-both', both).catch((caught: unknown) => caught);
    expect(error).toMatchObject({ code: 'invalid_input', details: { field: 'llmTokens' } });
  });
});

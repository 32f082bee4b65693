import { describe, expect, it } from 'vitest';
import { defaultPgliteSharedBuffersMb, openPgliteDatabase } from '../src/db/pglite-database.ts';
import { optionsFromEnvironment } from '../src/env-options.ts';
import { createHashEmbedder, createStrata } from '../src/index.ts';
import { describeEachStore, storeTargets } from './support/stores.ts';

describeEachStore('opening a store', (target) => {
  it('applies migrations once, even when two openers race, and keeps data across reopening', async () => {
    const location = await target.location();
    if (target.name === 'postgres') {
      const [first, second] = await Promise.all([createStrata(location), createStrata(location)]);
      await first.close();
      await second.close();
    }
    const strata = await createStrata(location);
    await strata.tenants.create({ id: 'kept' });
    await strata.as({ tenantId: 'kept' }).memories.create({ content: 'survives a restart' });
    await strata.close();
    const reopened = await createStrata(location);
    try {
      expect((await reopened.as({ tenantId: 'kept' }).memories.list()).items.map((memory) => memory.content)).toEqual([
        'survives a restart',
      ]);
    } finally {
      await reopened.close();
    }
  });

  it('refuses another embedding model until re-embedded, then searches with the new one', async () => {
    const location = await target.location();
    const original = await createStrata(location);
    await original.tenants.create({ id: 'docs' });
    const docs = original.as({ tenantId: 'docs', userId: 'ann' });
    await docs.memories.createMany([{ content: 'the invoice is due on friday' }, { content: 'the printer on floor two is broken' }]);
    await original.memories.create({ content: 'world knowledge about invoices', scope: 'world' });
    await original.close();

    const wider = createHashEmbedder({ dimensions: 512 });
    await expect(createStrata({ ...location, embedder: wider })).rejects.toMatchObject({ code: 'model_mismatch' });
    const migrating = await createStrata({ ...location, embedder: wider, allowModelChange: true });
    const report = await migrating.maintenance.reembed({ batchSize: 1 });
    expect(report).toEqual({ model: wider.model, tenants: 1, rows: 3 });
    await migrating.close();

    const upgraded = await createStrata({ ...location, embedder: wider });
    try {
      const { hits } = await upgraded.as({ tenantId: 'docs', userId: 'ann' }).search({ query: 'invoice due', mode: 'vector', limit: 3 });
      expect(hits[0]?.content).toBe('the invoice is due on friday');
      const memories = await upgraded.as({ tenantId: 'docs', userId: 'ann' }).memories.list();
      expect(memories.items.every((memory) => memory.embeddingModel === wider.model)).toBe(true);
    } finally {
      await upgraded.close();
    }
  });
});

it.runIf(storeTargets.some((target) => target.name === 'pglite'))('lets one process at a time open a PGlite directory', async () => {
  const pglite = storeTargets.find((target) => target.name === 'pglite');
  if (pglite === undefined) return;
  const location = await pglite.location();
  const holder = await createStrata(location);
  try {
    await expect(createStrata(location)).rejects.toMatchObject({ code: 'store_locked' });
  } finally {
    await holder.close();
  }
  const next = await createStrata(location);
  await next.close();
});

describe('the embedded buffer pool', () => {
  it('is 32 MB unless the option or STRATA_PGLITE_SHARED_BUFFERS_MB says otherwise', async () => {
    const size = async (sharedBuffersMb?: number) => {
      const database = await openPgliteDatabase({
        appRole: 'strata_app',
        statementTimeoutMs: 1_000,
        ...(sharedBuffersMb === undefined ? {} : { sharedBuffersMb }),
      });
      try {
        return (await database.pglite.query<{ shared_buffers: string }>('SHOW shared_buffers')).rows[0]?.shared_buffers;
      } finally {
        await database.close();
      }
    };
    expect(await size()).toBe(`${defaultPgliteSharedBuffersMb}MB`);
    expect(defaultPgliteSharedBuffersMb).toBe(32);
    expect(await size(8)).toBe('8MB');
    expect(optionsFromEnvironment({ STRATA_PGLITE_SHARED_BUFFERS_MB: '64' }).pgliteSharedBuffersMb).toBe(64);
    for (const bad of ['0', '1025', '32MB', '-4']) {
      expect(() => optionsFromEnvironment({ STRATA_PGLITE_SHARED_BUFFERS_MB: bad })).toThrow(
        expect.objectContaining({ code: 'misconfigured', details: { variable: 'STRATA_PGLITE_SHARED_BUFFERS_MB' } }),
      );
    }
  });
});

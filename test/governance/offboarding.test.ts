import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { Database } from '../../src/db/database.ts';
import { tenantTablesChildrenFirst } from '../../src/db/tenant-tables.ts';
import { createStrata, type Strata } from '../../src/index.ts';
import { describeEachStore, openRawDatabase } from '../support/stores.ts';

/** Rows of `tenantId` in every table with a tenant_id column, read from the catalog as the owner. */
async function rowsPerTable(database: Database, tenantId: string): Promise<Record<string, number>> {
  return database.asOwner(async (db) => {
    const counts: Record<string, number> = {};
    for (const table of await tenantTablesChildrenFirst(db)) {
      const result = await db.query<{ n: string }>(`SELECT count(*)::text AS n FROM ${table} WHERE tenant_id = $1`, [tenantId]);
      counts[table] = Number(result.rows[0]?.n);
    }
    return counts;
  });
}

describeEachStore('offboarding and erasure', (target) => {
  let database: Database;
  let strata: Strata;
  beforeAll(async () => {
    database = await openRawDatabase(target);
    // An LLM and a master key, so a tenant can hold its own provider key (a sealed row to purge), and
    // messages queue extraction jobs (no worker here: they stay queued, rows to purge and erase).
    strata = await createStrata({
      database,
      llm: { baseUrl: 'http://127.0.0.1:9/v1', model: 'offboarding-model' },
      extraction: { worker: false },
      masterKey: randomBytes(32).toString('base64'),
    });
  });
  afterAll(() => strata.close());

  async function populate(tenantId: string) {
    await strata.tenants.create({ id: tenantId, plan: 'enterprise' });
    const admin = strata.as({ tenantId });
    await admin.users.create({ id: 'ann' });
    const ann = strata.as({ tenantId, userId: 'ann' });
    const note = await ann.memories.create({ content: `${tenantId} ann likes tea` });
    await ann.memories.update(note.memory.id, { content: `${tenantId} ann likes green tea` });
    await admin.memories.create({ content: `${tenantId} company handbook `.repeat(200), scope: 'customer', documentType: 'document' });
    await admin.memories.create({ content: `${tenantId} retried`, scope: 'customer' }, { idempotencyKey: 'once' });
    await admin.keys.create({ role: 'member', userId: 'ann' });
    await admin.tenants.setProviderKey(tenantId, { apiKey: `sk-${tenantId}-provider-key-0123456789` });
    await admin.search({ query: 'tea' });
    const thread = await ann.conversations.create({ title: 'tea' });
    await ann.conversations.addMessages(thread.id, [{ role: 'user', content: `${tenantId} ann asks about tea` }]);
    await admin.conversations.addMessages((await admin.conversations.create()).id, [{ role: 'user', content: `${tenantId} desk` }]);
  }

  it('purges every row of the tenant in every tenant table, revokes its keys and leaves other tenants alone', async () => {
    await populate('leaving');
    await populate('staying');
    const before = await rowsPerTable(database, 'leaving');
    const staying = await rowsPerTable(database, 'staying');
    // Every table the catalog names held something of the tenant, so the zeros below mean something.
    for (const table of [
      'memories',
      'memory_history',
      'users',
      'tenant_api_keys',
      'tenant_provider_keys',
      'idempotency_records',
      'audit_log',
      'usage_daily',
      'tenant_meter',
      'conversations',
      'conversation_messages',
      'extraction_jobs',
    ])
      expect(before[table], table).toBeGreaterThan(0);
    const { secret } = await strata.as({ tenantId: 'leaving' }).keys.create({ role: 'admin' });

    const report = await strata.tenants.offboard('leaving');
    expect(report).toMatchObject({ tenantId: 'leaving', status: 'deleted', keysRevoked: 2 });
    expect(report.deleted).toMatchObject({ memories: before.memories, users: 1, tenants: 1, tenant_provider_keys: 1 });
    const after = await rowsPerTable(database, 'leaving');
    expect(
      Object.values(after).every((count) => count === 0),
      JSON.stringify(after),
    ).toBe(true);
    expect(await rowsPerTable(database, 'staying')).toEqual(staying);

    await expect(strata.keys.authenticate(secret)).rejects.toMatchObject({ code: 'unauthenticated' });
    await expect(strata.tenants.get('leaving')).rejects.toMatchObject({ code: 'not_found' });
    await expect(strata.as({ tenantId: 'leaving' }).memories.list()).rejects.toMatchObject({ code: 'not_found' });
    // The platform audit keeps a tombstone: who offboarded which tenant, no content.
    const tombstones = await database.asOwner((db) =>
      db.query<Record<string, unknown>>(`SELECT * FROM audit_log WHERE tenant_id IS NULL AND action = 'tenants.offboard'`),
    );
    expect(tombstones.rows).toHaveLength(1);
    expect(tombstones.rows[0]).toMatchObject({ outcome: 'ok', target_ids: ['leaving'] });
    expect(JSON.stringify(tombstones.rows)).not.toContain('tea');
  });

  it('lets no write racing an offboarding bring data back', async () => {
    await populate('racing');
    const admin = strata.as({ tenantId: 'racing' });
    const writes = Array.from({ length: 30 }, (_, index) =>
      admin.memories.createMany([
        { content: `racing write ${index} a`, scope: 'customer' },
        { content: `racing write ${index} b`, scope: 'customer' },
      ]),
    );
    const offboarded = strata.tenants.offboard('racing');
    const settled = await Promise.allSettled([...writes, offboarded]);
    expect(settled.at(-1)?.status).toBe('fulfilled');
    for (const result of settled.slice(0, -1)) {
      // Refused (the tenant is going or gone), or rolled back as a deadlock victim: never half-written.
      if (result.status === 'rejected') expect(['not_found', 'conflict']).toContain(result.reason.code);
    }
    const after = await rowsPerTable(database, 'racing');
    expect(
      Object.values(after).every((count) => count === 0),
      JSON.stringify(after),
    ).toBe(true);
  });

  it('erases a user completely in one call and reports the counts', async () => {
    await populate('erasing');
    const admin = strata.as({ tenantId: 'erasing' });
    const ann = strata.as({ tenantId: 'erasing', userId: 'ann' });
    const secret = 'the erased passport number is X1234567';
    const created = await ann.memories.create({ content: secret });
    await ann.memories.update(created.memory.id, { content: `${secret} (renewed)` });
    await admin.users.create({ id: 'bob' });
    await strata.as({ tenantId: 'erasing', userId: 'bob' }).memories.create({ content: 'bob keeps his memories' });
    const thread = await ann.conversations.create();
    await ann.conversations.addMessages(thread.id, [
      { role: 'user', content: secret },
      { role: 'assistant', content: 'Noted.' },
    ]);

    const report = await admin.users.delete('ann');
    // Two notes, the populated one, and the two messages' memories; two conversations (populate's and this one) with three messages.
    expect(report).toEqual({ userId: 'ann', memories: 5, history: 2, conversations: 2, messages: 3, keys: 1 });
    // The erased text's exact embedding (same text, same model) finds nothing, for anyone.
    for (const caller of [admin, ann, strata.as({ tenantId: 'erasing', userId: 'bob' })]) {
      for (const mode of ['vector', 'keyword', 'hybrid'] as const) {
        const { hits } = await caller.search({ query: `${secret} (renewed)`, mode, limit: 50 });
        expect(hits.filter((hit) => hit.content.includes('X1234567'))).toEqual([]);
      }
    }
    const leftovers = await database.asOwner((db) =>
      db.query(
        `SELECT 'memories' AS t FROM memories WHERE tenant_id = 'erasing' AND (user_id = 'ann' OR content LIKE '%X1234567%')
         UNION ALL SELECT 'history' FROM memory_history WHERE tenant_id = 'erasing' AND (user_id = 'ann' OR content LIKE '%X1234567%')
         UNION ALL SELECT 'keys' FROM tenant_api_keys WHERE tenant_id = 'erasing' AND user_id = 'ann'
         UNION ALL SELECT 'users' FROM users WHERE tenant_id = 'erasing' AND user_id = 'ann'
         UNION ALL SELECT 'conversations' FROM conversations WHERE tenant_id = 'erasing' AND user_id = 'ann'
         UNION ALL SELECT 'jobs' FROM extraction_jobs WHERE tenant_id = 'erasing' AND user_id = 'ann'
         UNION ALL SELECT 'messages' FROM conversation_messages WHERE tenant_id = 'erasing' AND (user_id = 'ann' OR content LIKE '%X1234567%')`,
      ),
    );
    expect(leftovers.rows).toEqual([]);
    expect((await strata.as({ tenantId: 'erasing', userId: 'bob' }).memories.list({ scope: 'user' })).items).toHaveLength(1);
    const usage = await database.asOwner((db) =>
      db.query<{ user_count: string }>(`SELECT user_count::text FROM tenant_usage WHERE tenant_id = 'erasing'`),
    );
    expect(usage.rows[0]?.user_count).toBe('1');
  });
});

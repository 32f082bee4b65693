import { afterAll, beforeAll, expect, it } from 'vitest';
import { failure } from '../../../test/support/failure.ts';
import { startTestServer, type TestServer } from '../../../test/support/http-server.ts';
import { schemaCheckingFetch } from '../../../test/support/response-check.ts';
import { describeEachStore, openRawDatabase } from '../../../test/support/stores.ts';
import { createStrataClient } from '../../client/index.ts';
import type { Database, Queryable } from '../../db/database.ts';
import { createStrata, type Strata } from '../../index.ts';
import { type AuditEntry, appendTenantEntry, auditPayload, chainHash } from '../../kernel/audit-chain.ts';

const entry = (tenantId: string, fields: Partial<AuditEntry> = {}): AuditEntry & { tenantId: string } => ({
  tenantId,
  at: '2026-01-01T10:00:00.000Z',
  actorRole: 'admin',
  actorClient: 'default',
  actorUser: null,
  keyId: null,
  action: 'memories.create',
  targetIds: [],
  outcome: 'ok',
  errorCode: null,
  requestId: null,
  ...fields,
});

const delta = (action: string) => ({
  day: '2026-01-01',
  operation: action,
  model: '',
  calls: 1,
  errors: 0,
  embeddingTokens: 0,
});

/** Appends entries to a tenant's chain directly, as the governed wrapper does. */
async function append(database: Database, tenantId: string, entries: ReadonlyArray<Partial<AuditEntry>>): Promise<void> {
  await database.withSession({ role: 'admin', tenantId }, async (db) => {
    for (const fields of entries) {
      const full = entry(tenantId, fields);
      await appendTenantEntry(db, full, delta(full.action));
    }
  });
}

const numbered = (count: number) =>
  Array.from({ length: count }, (_, index) => ({
    action: `memories.create`,
    targetIds: [`id-${index + 1}`],
    at: `2026-01-01T10:00:${String(index % 60).padStart(2, '0')}.000Z`,
  }));

async function rejection(promise: Promise<unknown>): Promise<{ code?: string; message: string }> {
  const error = await promise.then(
    () => undefined,
    (caught: unknown) => caught,
  );
  expect(error).toBeInstanceOf(Error);
  return error as { code?: string; message: string };
}

const owner = <T>(database: Database, work: (db: Queryable) => Promise<T>) => database.asOwner(work);
const auditCount = (database: Database, tenantId: string) =>
  owner(database, async (db) =>
    Number((await db.query<{ n: string }>('SELECT count(*)::text AS n FROM audit_log WHERE tenant_id = $1', [tenantId])).rows[0]?.n),
  );

describeEachStore('audit log', (target) => {
  let database: Database;
  let strata: Strata;
  beforeAll(async () => {
    database = await openRawDatabase(target);
    strata = await createStrata({ database });
    for (const id of ['t-ok', 't-edit', 't-mid', 't-swap', 't-last', 't-forged', 't-filter', 'other']) {
      await strata.tenants.create({ id, clientId: id === 'other' ? 'app2' : 'app1' });
    }
    for (const id of ['t-ok', 't-edit', 't-mid', 't-swap', 't-last', 't-forged']) await append(database, id, numbered(5));
    await append(database, 't-filter', [
      { at: '2026-01-01T10:00:00.000Z', actorUser: 'ann', action: 'memories.create' },
      { at: '2026-01-01T11:00:00.000Z', actorUser: 'bob', action: 'memories.update' },
      { at: '2026-01-02T09:00:00.000Z', keyId: 'key-1', action: 'search' },
      { at: '2026-01-03T09:00:00.000Z', actorUser: 'ann', action: 'memories.delete', outcome: 'error', errorCode: 'not_found' },
      { at: '2026-01-03T12:00:00.000Z', actorUser: 'bob', action: 'memories_admin.create' },
    ]);
  });
  afterAll(() => strata.close());

  const verify = (tenantId: string) => strata.audit.verify({ tenantId });

  it('verifies an untampered chain, and the platform chain of operator actions', async () => {
    expect(await verify('t-ok')).toEqual({ chain: 't-ok', entries: 5, ok: true, firstBreak: null, headSeq: 5 });
    // The verify itself was audited in the chain: the next run sees it too.
    expect(await verify('t-ok')).toMatchObject({ ok: true, entries: 6, headSeq: 6 });
    const platform = await strata.audit.verify();
    expect(platform).toMatchObject({ chain: 'platform', ok: true, firstBreak: null });
    expect(platform.entries).toBeGreaterThanOrEqual(8);
    const created = await strata.audit.list({ action: 'tenants.create' });
    expect(created.items).toHaveLength(8);
    expect(created.items.every((item) => item.tenantId === null && item.actorRole === 'platform')).toBe(true);
  });

  it('finds an edited entry: the first entry whose fields do not give its hash', async () => {
    await owner(database, (db) => db.query(`UPDATE audit_log SET action = 'memories.delete' WHERE tenant_id = 't-edit' AND seq = 3`));
    expect(await verify('t-edit')).toEqual({
      chain: 't-edit',
      entries: 2,
      ok: false,
      firstBreak: { seq: 3, reason: 'hash', detail: expect.any(String) },
      headSeq: 5,
    });
  });

  it('finds a deleted middle entry as a gap', async () => {
    await owner(database, (db) => db.query(`DELETE FROM audit_log WHERE tenant_id = 't-mid' AND seq = 3`));
    const result = await verify('t-mid');
    expect(result).toMatchObject({ ok: false, entries: 2, firstBreak: { seq: 4, reason: 'gap' } });
    expect(result.firstBreak?.detail).toContain('expected entry 3');
  });

  it('finds two entries that swapped places', async () => {
    await owner(database, async (db) => {
      await db.query(`UPDATE audit_log SET seq = -1 WHERE tenant_id = 't-swap' AND seq = 2`);
      await db.query(`UPDATE audit_log SET seq = 2 WHERE tenant_id = 't-swap' AND seq = 4`);
      await db.query(`UPDATE audit_log SET seq = 4 WHERE tenant_id = 't-swap' AND seq = -1`);
    });
    expect(await verify('t-swap')).toMatchObject({ ok: false, entries: 1, firstBreak: { seq: 2, reason: 'previous_hash' } });
  });

  it('finds the newest entry deleted, against the recorded head', async () => {
    await owner(database, (db) => db.query(`DELETE FROM audit_log WHERE tenant_id = 't-last' AND seq = 5`));
    const result = await verify('t-last');
    expect(result).toMatchObject({ ok: false, entries: 4, firstBreak: { seq: 5, reason: 'head' }, headSeq: 5 });
  });

  it('finds an entry forged ahead of the chain (by the database owner), even with a valid-looking hash', async () => {
    // (A forged row at exactly head + 1 would make the next audited call fail on the unique
    // (tenant, seq) key, so it cannot pass unnoticed either.)
    await owner(database, async (db) => {
      const head = (await db.query<{ hash: string }>(`SELECT hash FROM audit_log WHERE tenant_id = 't-forged' AND seq = 5`)).rows[0];
      const forged = entry('t-forged', { action: 'memories.delete', at: '2026-01-01T11:00:00.000Z' });
      const hash = chainHash(head?.hash ?? '', 7, auditPayload(forged));
      await db.query(
        `INSERT INTO audit_log (tenant_id, seq, at, actor_role, actor_client, action, outcome, prev_hash, hash)
         VALUES ('t-forged', 7, $1::timestamptz, 'admin', 'default', 'memories.delete', 'ok', $2, $3)`,
        [forged.at, head?.hash, hash],
      );
    });
    expect(await verify('t-forged')).toMatchObject({ ok: false, entries: 5, firstBreak: { seq: 7, reason: 'gap' }, headSeq: 5 });
  });

  it('reads a long chain in chunks and still finds a break past the first chunk', async () => {
    await strata.tenants.create({ id: 't-long' });
    await append(database, 't-long', numbered(1_003));
    expect(await verify('t-long')).toMatchObject({ ok: true, entries: 1_003, headSeq: 1_003 });
    await owner(database, (db) => db.query(`UPDATE audit_log SET target_ids = '{forged}' WHERE tenant_id = 't-long' AND seq = 1002`));
    expect(await verify('t-long')).toMatchObject({ ok: false, entries: 1_001, firstBreak: { seq: 1_002, reason: 'hash' } });
  });

  it('refuses INSERT, UPDATE, DELETE and TRUNCATE of the audit log, and moving a chain head, to the application role, whatever its session', async () => {
    const before = await auditCount(database, 't-ok');
    for (const settings of [{ role: 'admin', tenantId: 't-ok' }, { role: 'platform' }, { role: 'system', tenantId: 't-ok' }]) {
      for (const statement of [
        `UPDATE audit_log SET action = 'nothing' WHERE tenant_id = 't-ok'`,
        `DELETE FROM audit_log WHERE tenant_id = 't-ok'`,
        'TRUNCATE audit_log',
        `INSERT INTO audit_log (tenant_id, seq, at, actor_role, action, outcome, prev_hash, hash)
         VALUES ('t-ok', 999, now(), 'admin', 'memories.delete', 'ok', '', '')`,
        `UPDATE tenant_meter SET audit_seq = 0, audit_hash = ''`,
        `UPDATE platform_meter SET audit_seq = 0, audit_hash = ''`,
      ]) {
        const error = await rejection(database.withSession(settings, (db) => db.query(statement)));
        expect(error.code, `${statement} as ${settings.role}`).toBe('42501');
        expect(error.message).toMatch(/permission denied/);
      }
    }
    expect(await auditCount(database, 't-ok')).toBe(before);
    const unchanged = await owner(database, (db) => db.query(`SELECT 1 FROM audit_log WHERE action = 'nothing'`));
    expect(unchanged.rows).toHaveLength(0);
    expect(await verify('t-ok')).toMatchObject({ ok: true });
  });

  it('never stores memory content, metadata or queries in audit rows', async () => {
    const marker = `MARKER-${Date.now().toString(36)}-zq`;
    await strata.tenants.create({ id: 't-content' });
    const user = strata.as({ tenantId: 't-content', userId: 'ann' });
    const { memory } = await user.memories.create({ content: `Secret plan ${marker}`, metadata: { note: marker } });
    await user.memories.update(memory.id, { content: `Updated ${marker}` });
    await user.search({ query: marker });
    await user.memories.get(memory.id);
    const rows = await owner(database, (db) =>
      db.query<{ row: string }>(`SELECT row_to_json(a)::text AS row FROM audit_log a WHERE tenant_id = 't-content'`),
    );
    expect(rows.rows.length).toBeGreaterThanOrEqual(4);
    for (const { row } of rows.rows) expect(row).not.toContain(marker);
    const usage = await owner(database, (db) =>
      db.query<{ row: string }>(`SELECT row_to_json(u)::text AS row FROM usage_daily u WHERE tenant_id = 't-content'`),
    );
    for (const { row } of usage.rows) expect(row).not.toContain(marker);
    const actions = (await strata.audit.list({ tenantId: 't-content' })).items.map((item) => item.action);
    expect(actions).toEqual(expect.arrayContaining(['memories.create', 'memories.update', 'search', 'memories.get']));
  });

  it('filters by time range, actor, action (exact or prefix) and outcome, newest first', async () => {
    const list = async (query: Record<string, unknown>) =>
      (await strata.audit.list({ tenantId: 't-filter', to: '2026-01-03', ...query })).items.map((item) => item.seq);
    expect(await list({})).toEqual([5, 4, 3, 2, 1]);
    expect(await list({ from: '2026-01-01', to: '2026-01-01' })).toEqual([2, 1]);
    expect(await list({ from: '2026-01-02' })).toEqual([5, 4, 3]);
    expect(await list({ from: '2026-01-01T10:30:00Z', to: '2026-01-02T09:00:00Z' })).toEqual([3, 2]);
    expect(await list({ actor: 'ann' })).toEqual([4, 1]);
    expect(await list({ actor: 'key-1' })).toEqual([3]);
    expect(await list({ action: 'search' })).toEqual([3]);
    // `_` in a prefix is literal: memories_admin.create is not under memories.
    expect(await list({ action: 'memories.' })).toEqual([4, 2, 1]);
    expect(await list({ action: 'memories.*' })).toEqual([4, 2, 1]);
    expect(await list({ action: 'memories_' })).toEqual([]);
    expect(await list({ action: 'memories_*' })).toEqual([5]);
    expect(await list({ outcome: 'error' })).toEqual([4]);
    const [failed] = (await strata.audit.list({ tenantId: 't-filter', outcome: 'error', to: '2026-01-03' })).items;
    expect(failed).toMatchObject({
      tenantId: 't-filter',
      action: 'memories.delete',
      errorCode: 'not_found',
      actorUser: 'ann',
      at: '2026-01-03T09:00:00.000Z',
    });
  });

  it('pages by cursor without repeats or gaps', async () => {
    const seen: number[] = [];
    let cursor: string | undefined;
    for (let page = 0; page < 5; page += 1) {
      const result = await strata.audit.list({
        tenantId: 't-filter',
        to: '2026-01-03',
        limit: 2,
        ...(cursor === undefined ? {} : { cursor }),
      });
      seen.push(...result.items.map((item) => item.seq));
      if (result.nextCursor === null) break;
      cursor = result.nextCursor;
    }
    expect(seen).toEqual([5, 4, 3, 2, 1]);
  });

  it('names the field of a bad filter', async () => {
    const cases: Array<[Record<string, unknown>, string]> = [
      [{ from: 'soon' }, 'from'],
      [{ to: '2026-02-30' }, 'to'],
      [{ action: 'memories;drop' }, 'action'],
      [{ outcome: 'maybe' }, 'outcome'],
      [{ limit: 0 }, 'limit'],
      [{ cursor: 'not-a-cursor' }, 'cursor'],
      [{ who: 'ann' }, 'who'],
    ];
    for (const [query, field] of cases) {
      const error = await failure(strata.audit.list({ tenantId: 't-filter', ...query } as never));
      expect(error, JSON.stringify(query)).toMatchObject({ code: 'invalid_input', details: { field } });
    }
  });

  it("lets only a tenant's admins, its client admin and the operator read its chain", async () => {
    const own = await strata.as({ tenantId: 't-filter' }).audit.list({ to: '2026-01-03' });
    expect(own.items.map((item) => item.seq)).toEqual([5, 4, 3, 2, 1]);
    expect(await strata.as({ tenantId: 't-filter' }).audit.verify()).toMatchObject({ chain: 't-filter', ok: true });
    for (const role of ['member', 'reader'] as const) {
      for (const call of [
        () => strata.as({ tenantId: 't-filter', role }).audit.list(),
        () => strata.as({ tenantId: 't-filter', role }).audit.verify(),
      ]) {
        expect((await failure(call())).code).toBe('forbidden');
      }
    }
    const other = strata.as({ tenantId: 'other' });
    expect(await failure(other.audit.list({ tenantId: 't-filter' }))).toMatchObject({ code: 'forbidden', details: { field: 'tenantId' } });
    expect((await failure(other.audit.verify({ tenantId: 't-filter' }))).code).toBe('forbidden');
    const otherOwn = await other.audit.list();
    expect(otherOwn.items.every((item) => item.tenantId === 'other')).toBe(true);
    const foreignClient = strata.as({ role: 'client_admin', clientId: 'app2' });
    expect((await failure(foreignClient.audit.list({ tenantId: 't-filter' }))).code).toBe('not_found');
    expect((await failure(foreignClient.audit.list())).code).toBe('forbidden');
    const ownClient = strata.as({ role: 'client_admin', clientId: 'app1' });
    expect((await ownClient.audit.list({ tenantId: 't-filter', to: '2026-01-03' })).items).toHaveLength(5);
    expect((await failure(strata.audit.list({ tenantId: 'nobody' }))).code).toBe('not_found');
  });
});

describeEachStore('audit over HTTP', (target) => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer(target);
    await server.client.tenants.create({ id: 'acme' });
    await server.client.tenants.create({ id: 'globex' });
  });
  afterAll(() => server.close());

  it('lists and verifies with a tenant admin key, with key id and request id in the entries; refuses members and other tenants', async () => {
    const { secret, key } = await server.client.keys.create({ tenantId: 'acme', role: 'admin' });
    const get = (path: string, apiKey = secret) => fetch(`${server.url}${path}`, { headers: { authorization: `Bearer ${apiKey}` } });
    expect((await get('/v1/users')).status).toBe(200);
    const listed = await get('/v1/audit?action=users.&limit=5');
    expect(listed.status).toBe(200);
    const page = (await listed.json()) as { items: Array<{ action: string; keyId: string | null; requestId: string | null }> };
    expect(page.items[0]).toMatchObject({ action: 'users.list', keyId: key.id });
    expect(page.items[0]?.requestId).toEqual(expect.any(String));
    const verified = await get('/v1/audit/verify');
    expect(verified.status).toBe(200);
    expect(await verified.json()).toMatchObject({ chain: 'acme', ok: true, firstBreak: null });
    const ranged = await get('/v1/audit?from=2026-01-01&to=2099-12-31T00:00:00Z&outcome=ok&action=users.*');
    expect(ranged.status).toBe(200);
    expect(((await ranged.json()) as { items: unknown[] }).items.length).toBeGreaterThan(0);
    const badRange = await get('/v1/audit?from=tomorrow');
    expect(badRange.status).toBe(400);
    expect(await badRange.json()).toMatchObject({ code: 'invalid_input' });
    expect((await get('/v1/audit?tenantId=globex')).status).toBe(403);
    const member = await server.client.keys.create({ tenantId: 'acme', role: 'member' });
    expect((await get('/v1/audit', member.secret)).status).toBe(403);
    const checked = createStrataClient({ baseUrl: server.url, apiKey: server.adminKey, fetch: schemaCheckingFetch() });
    const platform = await checked.audit.verify();
    expect(platform).toMatchObject({ chain: 'platform', ok: true });
    expect((await checked.audit.list()).items.length).toBeGreaterThan(0);
    const operatorView = await checked.audit.list({ tenantId: 'acme', action: 'audit.verify' });
    expect(operatorView.items.length).toBeGreaterThanOrEqual(1);
  });
});

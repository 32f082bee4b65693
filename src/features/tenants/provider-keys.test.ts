import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { expectProblem, send } from '../../../test/http/http-helpers.ts';
import { failure } from '../../../test/support/failure.ts';
import { serveStore, type TestServer } from '../../../test/support/http-server.ts';
import { describeEachStore, openRawDatabase } from '../../../test/support/stores.ts';
import type { Database } from '../../db/database.ts';
import { createStrata, type LLMProvider, type ProviderKeyStatus, type Strata } from '../../index.ts';

const masterKey = randomBytes(32).toString('hex');
const llm = { baseUrl: 'http://127.0.0.1:9/v1', model: 'small', apiKey: 'sk-deployment-0123456789abcdef' };
const acmeKey = 'sk-acme-provider-key-0123456789-WXYZ';
const secondKey = 'sk-acme-second-key-9876543210-LAST';

describeEachStore('tenant provider keys', (target) => {
  let database: Database;
  let strata: Strata;
  let clock = Date.parse('2026-03-01T10:00:00Z');

  beforeAll(async () => {
    database = await openRawDatabase(target);
    strata = await createStrata({ database, llm, masterKey, now: () => new Date(clock) });
    await strata.tenants.create({ id: 'acme', clientId: 'c1' });
    await strata.tenants.create({ id: 'globex', clientId: 'c2' });
    await strata.as({ tenantId: 'acme' }).users.create({ id: 'ann' });
  });
  afterAll(() => strata?.close());

  /** Every row of a table as the owner sees it, as one text: what an attacker with the database would read. */
  const rawTable = (table: string) => database.asOwner(async (db) => JSON.stringify((await db.query(`SELECT * FROM ${table}`)).rows));

  it("is set by the tenant's admin, its client admin or the operator; replaced on a second set; deleted (idempotently)", async () => {
    const admin = strata.as({ tenantId: 'acme', role: 'admin' });
    const set = await admin.tenants.setProviderKey('acme', { apiKey: acmeKey });
    expect(set).toEqual({ tenantId: 'acme', configured: true, keyHint: 'WXYZ', updatedAt: '2026-03-01T10:00:00.000Z' });
    clock += 60_000;
    const replaced = await strata.as({ clientId: 'c1' }).tenants.setProviderKey('acme', { apiKey: secondKey });
    expect(replaced).toEqual({ tenantId: 'acme', configured: true, keyHint: 'LAST', updatedAt: '2026-03-01T10:01:00.000Z' });
    const rows = await database.asOwner((db) => db.query('SELECT key_hint, key_version, created_at, updated_at FROM tenant_provider_keys'));
    expect(rows.rows).toHaveLength(1);
    expect(rows.rows[0]).toMatchObject({ key_hint: 'LAST', key_version: 1 });
    const deleted = await strata.tenants.deleteProviderKey('acme');
    expect(deleted).toEqual({ tenantId: 'acme', configured: false, keyHint: null, updatedAt: null });
    expect(await strata.tenants.deleteProviderKey('acme')).toEqual(deleted);
    expect(await rawTable('tenant_provider_keys')).toBe('[]');
    // A key too short to show a part of has no hint.
    expect((await admin.tenants.setProviderKey('acme', { apiKey: 'short-key-1' })).keyHint).toBeNull();
    await admin.tenants.deleteProviderKey('acme');
  });

  it("hides another tenant's key from a tenant admin exactly as a missing tenant, and refuses members and readers", async () => {
    await strata.tenants.setProviderKey('globex', { apiKey: acmeKey });
    const acmeAdmin = strata.as({ tenantId: 'acme', role: 'admin' });
    for (const call of [
      (id: string) => acmeAdmin.tenants.setProviderKey(id, { apiKey: secondKey }),
      (id: string) => acmeAdmin.tenants.deleteProviderKey(id),
      (id: string) => strata.as({ clientId: 'c1' }).tenants.setProviderKey(id, { apiKey: secondKey }),
      (id: string) => strata.as({ clientId: 'c1' }).tenants.deleteProviderKey(id),
    ]) {
      const foreign = await failure(call('globex'));
      const missing = await failure(call('no-such-tenant'));
      expect(foreign.code).toBe('not_found');
      expect(foreign.message.replace('globex', '<id>')).toBe(missing.message.replace('no-such-tenant', '<id>'));
    }
    for (const role of ['member', 'reader'] as const) {
      const caller = strata.as({ tenantId: 'acme', userId: 'ann', role });
      expect(await failure(caller.tenants.setProviderKey('acme', { apiKey: secondKey }))).toMatchObject({ code: 'forbidden' });
      expect(await failure(caller.tenants.deleteProviderKey('acme'))).toMatchObject({ code: 'forbidden' });
    }
    // globex's key is untouched, and acme has none.
    const stored = await database.asOwner((db) =>
      db.query<{ tenant_id: string; key_hint: string }>('SELECT tenant_id, key_hint FROM tenant_provider_keys'),
    );
    expect(stored.rows).toEqual([{ tenant_id: 'globex', key_hint: 'WXYZ' }]);
    await strata.tenants.deleteProviderKey('globex');
  });

  it('refuses a bad key naming apiKey, never echoing it, and an unknown field', async () => {
    const admin = strata.as({ tenantId: 'acme', role: 'admin' });
    for (const apiKey of ['short', 'sk-has a space-0123456789', `sk-${'x'.repeat(5000)}`, 'sk-newline\n0123456789', 42]) {
      const error = await failure(admin.tenants.setProviderKey('acme', { apiKey } as never));
      expect(error).toMatchObject({ code: 'invalid_input', details: { field: 'apiKey' } });
      if (typeof apiKey === 'string') expect(error.message).not.toContain(apiKey.slice(0, 12));
    }
    expect(
      await failure(admin.tenants.setProviderKey('acme', { apiKey: acmeKey, baseUrl: 'http://169.254.169.254/v1' } as never)),
    ).toMatchObject({ code: 'invalid_input', details: { field: 'baseUrl' } });
    expect(await rawTable('tenant_provider_keys')).toBe('[]');
  });

  it('keeps the key out of the database in clear, the audit log and the export', async () => {
    await strata.as({ tenantId: 'acme', role: 'admin' }).tenants.setProviderKey('acme', { apiKey: acmeKey });
    const sealedRows = await rawTable('tenant_provider_keys');
    expect(sealedRows).toContain('acme');
    expect(sealedRows).not.toContain(acmeKey);
    const sealed = (await database.asOwner((db) => db.query<{ sealed: string }>('SELECT sealed FROM tenant_provider_keys'))).rows[0]
      ?.sealed;
    expect(Buffer.from(sealed ?? '', 'base64').includes(Buffer.from(acmeKey))).toBe(false);
    const audit = await rawTable('audit_log');
    expect(audit).toContain('tenants.setProviderKey');
    expect(audit).not.toContain(acmeKey);
    const lines: string[] = [];
    for await (const record of await strata.exports.export('acme')) lines.push(JSON.stringify(record));
    const exported = lines.join('\n');
    expect(exported).toContain('tenants.setProviderKey');
    for (const leak of [acmeKey, sealed ?? 'no sealed value', 'WXYZ']) expect(exported).not.toContain(leak);
    await strata.tenants.deleteProviderKey('acme');
  });
});

describeEachStore('tenant provider keys need a master key and a base URL', (target) => {
  const opened: Strata[] = [];
  afterAll(async () => {
    for (const strata of opened) await strata.close();
  });
  const open = async (options: Parameters<typeof createStrata>[0]) => {
    const strata = await target.open(options);
    opened.push(strata);
    await strata.tenants.create({ id: 'acme' });
    return strata.as({ tenantId: 'acme', role: 'admin' }).tenants;
  };
  const provider: LLMProvider = { model: 'small', chat: () => Promise.reject(new Error('not called')) };

  it('is misconfigured without a master key, without an LLM, or with an LLM given as a provider object (no base URL)', async () => {
    const cases: [Parameters<typeof createStrata>[0], Record<string, unknown>][] = [
      [{ llm }, { field: 'masterKey', variable: 'STRATA_MASTER_KEY' }],
      [{ masterKey }, { field: 'llm' }],
      [{ masterKey, llm: provider }, { field: 'llm' }],
    ];
    for (const [options, details] of cases) {
      const tenants = await open(options);
      const error = await failure(tenants.setProviderKey('acme', { apiKey: acmeKey }));
      expect(error).toMatchObject({ code: 'misconfigured', details });
      expect(error.message).not.toContain(acmeKey);
      // Deleting needs neither.
      expect(await tenants.deleteProviderKey('acme')).toMatchObject({ configured: false });
    }
  });

  it('refuses a bad masterKey or models option at open, naming it', async () => {
    await expect(target.open({ masterKey: 'not a key' })).rejects.toMatchObject({ code: 'misconfigured', details: { field: 'masterKey' } });
    await expect(target.open({ llm, models: { default: 'big' } })).rejects.toMatchObject({
      code: 'misconfigured',
      details: { field: 'models.default' },
    });
  });
});

describeEachStore('tenant provider keys over HTTP', (target) => {
  let server: TestServer;
  let keys: { admin: string; member: string; globexAdmin: string };

  beforeAll(async () => {
    server = await serveStore(await target.open({ llm, masterKey }), {}, true);
    await server.client.tenants.create({ id: 'acme' });
    await server.client.tenants.create({ id: 'globex' });
    const mint = async (tenantId: string, role: 'admin' | 'member') => (await server.client.keys.create({ tenantId, role })).secret;
    keys = { admin: await mint('acme', 'admin'), member: await mint('acme', 'member'), globexAdmin: await mint('globex', 'admin') };
  });
  afterAll(() => server?.close());

  const put = (key: string, tenantId: string, json: unknown) =>
    send(server.url, { method: 'PUT', path: `/v1/tenants/${tenantId}/provider-key`, key, json });
  const remove = (key: string, tenantId: string) =>
    send(server.url, { method: 'DELETE', path: `/v1/tenants/${tenantId}/provider-key`, key });

  it("sets and deletes the key with the tenant admin's key; the key is in no response, log line or listing", async () => {
    const responses: string[] = [];
    const set = await put(keys.admin, 'acme', { apiKey: acmeKey });
    expect(set.status, set.text).toBe(200);
    expect(set.body).toMatchObject({ tenantId: 'acme', configured: true, keyHint: 'WXYZ' });
    responses.push(set.text);
    const viaClient = await server.client.tenants.setProviderKey('acme', { apiKey: secondKey });
    expect(viaClient).toMatchObject({ configured: true, keyHint: 'LAST' });
    responses.push((await send(server.url, { path: '/v1/tenants/acme', key: server.adminKey })).text);
    responses.push((await send(server.url, { path: '/v1/audit?tenantId=acme', key: server.adminKey })).text);
    const deleted = await remove(keys.admin, 'acme');
    expect(deleted.status, deleted.text).toBe(200);
    expect(deleted.body).toEqual({ tenantId: 'acme', configured: false, keyHint: null, updatedAt: null });
    responses.push(deleted.text);
    const status: ProviderKeyStatus = await server.client.tenants.deleteProviderKey('acme');
    expect(status.configured).toBe(false);
    const everything = `${responses.join('\n')}\n${JSON.stringify(server.logs)}`;
    for (const secret of [acmeKey, secondKey]) expect(everything).not.toContain(secret);
    expect(server.logs.some((line) => line.route === '/v1/tenants/:id/provider-key' && line.method === 'PUT')).toBe(true);
  });

  it("answers another tenant's admin with the 404 of a missing tenant, a member with 403, bad input with 400 naming the field", async () => {
    for (const request of [() => put(keys.globexAdmin, 'acme', { apiKey: acmeKey }), () => remove(keys.globexAdmin, 'acme')]) {
      const problem = expectProblem(await request(), 404, 'not_found');
      expect(problem.detail).toBe('tenant "acme" not found');
    }
    expectProblem(await put(keys.member, 'acme', { apiKey: acmeKey }), 403, 'forbidden');
    expectProblem(await remove(keys.member, 'acme'), 403, 'forbidden');
    const bad = await put(keys.admin, 'acme', { apiKey: 'sk has spaces 0123456789' });
    expect(expectProblem(bad, 400, 'invalid_input')).toMatchObject({ details: { field: 'apiKey' } });
    expect(bad.text).not.toContain('sk has spaces');
    expect(expectProblem(await put(keys.admin, 'acme', { apiKey: acmeKey, url: 'http://10.0.0.1' }), 400, 'invalid_input')).toMatchObject({
      details: {
        field: 'url',
      },
    });
    expectProblem(await put(keys.admin, 'acme', {}), 400, 'invalid_input');
    // The operator's key acting in acme is acme's admin; in the body a tenant field is refused before anything runs.
    expectProblem(await put(keys.admin, 'acme', { apiKey: acmeKey, tenantId: 'globex' }), 403, 'forbidden');
    const nothing = await server.strata.tenants.deleteProviderKey('acme');
    expect(nothing.configured).toBe(false);
  });
});

import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '../../../test/support/http-server.ts';
import { schemaCheckingFetch } from '../../../test/support/response-check.ts';
import { describeEachStore } from '../../../test/support/stores.ts';
import { runCli } from '../../cli/main.ts';
import { createStrataClient } from '../../client/index.ts';
import type { CreatedWebhook, Page, Strata, Webhook, WebhookDelivery } from '../../index.ts';
import { webhookEventTypes } from '../../index.ts';

describeEachStore('webhooks API', (target) => {
  let strata: Strata;
  beforeAll(async () => {
    strata = await target.open({ webhooks: { dispatch: false } });
    for (const id of ['a', 'b']) await strata.as({ role: 'platform' }).tenants.create({ id });
  });
  afterAll(() => strata.close());

  it('creates, lists with cursors, gets and deletes; the secret is returned only by create', async () => {
    const a = strata.as({ tenantId: 'a' });
    const created: CreatedWebhook[] = [];
    for (const index of [1, 2, 3]) {
      created.push(await a.webhooks.create({ url: `https://example.test/hook/${index}`, events: ['limit.exceeded', 'user.erased'] }));
    }
    const custom = await a.webhooks.create({
      url: 'http://example.test/x',
      events: ['*'],
      secret: 'my-own-secret-0123456789',
      description: 'ops',
    });
    expect(custom).toMatchObject({ secret: 'my-own-secret-0123456789', description: 'ops', tenantId: 'a', active: true, events: ['*'] });
    const seen: string[] = [];
    let cursor: string | undefined;
    do {
      const page = await a.webhooks.list({ limit: 2, ...(cursor === undefined ? {} : { cursor }) });
      seen.push(...page.items.map((hook) => hook.id));
      cursor = page.nextCursor ?? undefined;
    } while (cursor !== undefined);
    expect(seen).toEqual([...created, custom].map((hook) => hook.id));
    const first = created[0];
    if (first === undefined) throw new Error('nothing created');
    const fetched = await a.webhooks.get(first.id);
    expect(fetched).not.toHaveProperty('secret');
    expect(JSON.stringify(await a.webhooks.list())).not.toContain(first.secret);
    expect(await a.webhooks.delete(first.id)).toMatchObject({ id: first.id });
    await expect(a.webhooks.get(first.id)).rejects.toMatchObject({ code: 'not_found' });
  });

  it("keeps tenants apart: B cannot see, list, delete, test or read the deliveries of A's webhooks", async () => {
    const hook = await strata.as({ tenantId: 'a' }).webhooks.create({ url: 'https://a.example.test/', events: ['*'] });
    await strata.as({ tenantId: 'a' }).webhooks.test(hook.id);
    const b = strata.as({ tenantId: 'b' });
    expect((await b.webhooks.list()).items.map((item) => item.id)).not.toContain(hook.id);
    const attempts = [
      () => b.webhooks.get(hook.id),
      () => b.webhooks.delete(hook.id),
      () => b.webhooks.deliveries(hook.id),
      () => b.webhooks.test(hook.id),
    ];
    for (const attempt of attempts) await expect(attempt()).rejects.toMatchObject({ code: 'not_found' });
    // The platform list holds only platform-wide webhooks, never a tenant's.
    expect((await strata.as({ role: 'platform' }).webhooks.list()).items.map((item) => item.id)).not.toContain(hook.id);
    expect((await strata.as({ tenantId: 'a' }).webhooks.deliveries(hook.id)).items).toHaveLength(1);
    expect((await strata.as({ tenantId: 'a' }).webhooks.get(hook.id)).id).toBe(hook.id);
  });

  it('pages the delivery log newest first', async () => {
    const a = strata.as({ tenantId: 'a' });
    const hook = await a.webhooks.create({ url: 'https://a.example.test/log', events: ['*'] });
    const queued: WebhookDelivery[] = [];
    for (let index = 0; index < 3; index += 1) queued.push(await a.webhooks.test(hook.id));
    const first = await a.webhooks.deliveries(hook.id, { limit: 2 });
    expect(first.nextCursor).not.toBeNull();
    const second = await a.webhooks.deliveries(hook.id, { limit: 2, cursor: first.nextCursor ?? '' });
    expect([...first.items, ...second.items].map((delivery) => delivery.id).sort()).toEqual(queued.map((delivery) => delivery.id).sort());
    expect(second.nextCursor).toBeNull();
  });

  it.each([
    [{ url: 'ftp://example.test/', events: ['*'] }, 'url'],
    [{ url: 'not a url', events: ['*'] }, 'url'],
    [{ url: 'https://user:pass@example.test/', events: ['*'] }, 'url'],
    [{ url: 'https://example.test/', events: [] }, 'events'],
    [{ url: 'https://example.test/', events: ['memory.created'] }, 'events.0'],
    [{ url: 'https://example.test/', events: ['webhook.test'] }, 'events.0'],
    [{ url: 'https://example.test/', events: ['*'], secret: 'short' }, 'secret'],
    [{ url: 'https://example.test/', events: ['*'], colour: 'red' }, 'colour'],
    [{ events: ['*'] }, 'url'],
  ])('rejects %j naming %s, and stores nothing', async (input, field) => {
    const a = strata.as({ tenantId: 'b' });
    const before = (await a.webhooks.list()).items.length;
    await expect(a.webhooks.create(input as never)).rejects.toMatchObject({ code: 'invalid_input', details: { field } });
    expect((await a.webhooks.list()).items).toHaveLength(before);
  });

  it('refuses members, users and client admins without a tenant', async () => {
    for (const caller of [{ tenantId: 'a', role: 'member' as const }, { tenantId: 'a', userId: 'john' }, { clientId: 'default' }]) {
      await expect(strata.as(caller).webhooks.list()).rejects.toMatchObject({ code: 'forbidden' });
    }
    await expect(strata.as({ tenantId: 'a' }).webhooks.get('not-a-uuid')).rejects.toMatchObject({ code: 'not_found' });
    await expect(strata.as({ tenantId: 'a' }).webhooks.list({ cursor: 'nonsense' })).rejects.toMatchObject({
      code: 'invalid_input',
      details: { field: 'cursor' },
    });
  });

  it('lists every event type', () => {
    expect(webhookEventTypes).toEqual(
      expect.arrayContaining([
        'limit.approaching',
        'limit.exceeded',
        'budget.exceeded',
        'tenant.suspended',
        'tenant.offboarded',
        'user.erased',
      ]),
    );
  });
});

describeEachStore('webhooks over HTTP', (target) => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer(target, { store: { webhooks: { dispatch: false } } });
    for (const id of ['a', 'b']) await server.client.tenants.create({ id });
  });
  afterAll(() => server.close());

  it('serves every webhook route, for tenant admin keys and the operator, with tenant isolation', async () => {
    const keyA = await server.client.keys.create({ tenantId: 'a', role: 'admin' });
    const keyB = await server.client.keys.create({ tenantId: 'b', role: 'admin' });
    const seen = new Set<string>();
    const a = createStrataClient({ baseUrl: server.url, apiKey: keyA.secret, fetch: schemaCheckingFetch(seen) });
    const b = createStrataClient({ baseUrl: server.url, apiKey: keyB.secret, fetch: schemaCheckingFetch(seen) });
    const hook = await a.webhooks.create({ url: 'https://a.example.test/', events: ['limit.exceeded'] });
    expect(hook.secret).toMatch(/^whsec_/);
    expect(hook.tenantId).toBe('a');
    expect((await a.webhooks.list()).items.map((item) => item.id)).toEqual([hook.id]);
    expect(await a.webhooks.get(hook.id)).not.toHaveProperty('secret');
    const delivery = await a.webhooks.test(hook.id);
    expect((await a.webhooks.deliveries(hook.id, { limit: 5 })).items.map((item) => item.id)).toEqual([delivery.id]);
    expect((await b.webhooks.list()).items).toEqual([]);
    await expect(b.webhooks.get(hook.id)).rejects.toMatchObject({ code: 'not_found' });
    await expect(b.webhooks.delete(hook.id)).rejects.toMatchObject({ code: 'not_found' });
    await expect(b.webhooks.deliveries(hook.id)).rejects.toMatchObject({ code: 'not_found' });
    const platform = await server.client.webhooks.create({ url: 'https://ops.example.test/', events: ['*'] });
    expect(platform.tenantId).toBeNull();
    expect((await server.client.webhooks.list()).items.map((item) => item.id)).toEqual([platform.id]);
    await expect(a.webhooks.get(platform.id)).rejects.toMatchObject({ code: 'not_found' });
    await expect(a.webhooks.create({ url: 'gopher://x', events: ['*'] })).rejects.toMatchObject({
      code: 'invalid_input',
      details: { field: 'url' },
    });
    expect(await a.webhooks.delete(hook.id)).toMatchObject({ id: hook.id });
    expect(await server.client.webhooks.delete(platform.id)).toMatchObject({ id: platform.id });
    const published = ['create', 'list', 'get', 'delete', 'deliveries', 'test'].map((name) => `webhooks.${name}`);
    expect([...seen].filter((name) => name.startsWith('webhooks.')).sort()).toEqual(published.sort());
  });

  it('the CLI manages webhooks remotely with --url', async () => {
    let stdout = '';
    const run = (args: readonly string[]) =>
      runCli(['--url', server.url, '--api-key', server.adminKey, '--json', ...args], {
        stdout: { write: (chunk: string) => (stdout += chunk) },
        stderr: { write: () => undefined },
        env: {},
        stdin: Readable.from([]),
      });
    expect(await run(['webhooks', 'create', '--tenant', 'b', '--endpoint', 'https://b.example.test/', '--events', '*'])).toBe(0);
    const created = JSON.parse(stdout) as CreatedWebhook;
    expect(created).toMatchObject({ tenantId: 'b', url: 'https://b.example.test/' });
    stdout = '';
    expect(await run(['webhooks', 'list', '--tenant', 'b'])).toBe(0);
    expect((JSON.parse(stdout) as Page<Webhook>).items.map((hook) => hook.id)).toEqual([created.id]);
    stdout = '';
    expect(await run(['webhooks', 'delete', created.id, '--tenant', 'b'])).toBe(0);
  });

  it('answers 201 with the secret on create and 400 problem+json on bad events', async () => {
    const response = await fetch(`${server.url}/v1/webhooks`, {
      method: 'POST',
      headers: { authorization: `Bearer ${server.adminKey}`, 'content-type': 'application/json' },
      body: JSON.stringify({ url: 'https://ops.example.test/', events: ['nope'] }),
    });
    expect(response.status).toBe(400);
    expect(await response.json()).toMatchObject({ code: 'invalid_input' });
  });
});

describe('strata webhooks (CLI, local store)', () => {
  let dataDir: string;
  beforeAll(() => {
    dataDir = mkdtempSync(join(tmpdir(), 'strata-webhooks-cli-'));
  });
  afterAll(() => rmSync(dataDir, { recursive: true, force: true }));

  const cli = async (args: readonly string[]) => {
    let stdout = '';
    let stderr = '';
    const code = await runCli(['--data-dir', dataDir, ...args], {
      stdout: { write: (chunk: string) => (stdout += chunk) },
      stderr: { write: (chunk: string) => (stderr += chunk) },
      env: {},
      stdin: Readable.from([]),
    });
    return { code, stdout, stderr };
  };
  const json = async <T>(args: readonly string[]): Promise<T> => {
    const run = await cli(['--json', ...args]);
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    return JSON.parse(run.stdout) as T;
  };

  it('creates, lists, gets, tests, shows deliveries and deletes', async () => {
    await json(['tenants', 'create', 'acme']);
    const created = await json<CreatedWebhook>([
      'webhooks',
      'create',
      '--tenant',
      'acme',
      '--endpoint',
      'https://acme.example.test/',
      '--events',
      'limit.exceeded,user.erased',
    ]);
    expect(created).toMatchObject({ tenantId: 'acme', events: ['limit.exceeded', 'user.erased'] });
    expect(created.secret).toMatch(/^whsec_/);
    const text = await cli(['webhooks', 'create', '--endpoint', 'https://ops.example.test/', '--events', '*']);
    expect(text.stdout).toContain('signing secret (shown once');
    expect((await json<Page<Webhook>>(['webhooks', 'list', '--tenant', 'acme'])).items.map((hook) => hook.id)).toEqual([created.id]);
    expect((await json<Webhook>(['webhooks', 'get', created.id, '--tenant', 'acme'])).url).toBe('https://acme.example.test/');
    const delivery = await json<WebhookDelivery>(['webhooks', 'test', created.id, '--tenant', 'acme']);
    expect(delivery).toMatchObject({ event: 'webhook.test', status: 'pending' });
    const log = await cli(['webhooks', 'deliveries', created.id, '--tenant', 'acme']);
    expect(log.stdout).toContain(delivery.id);
    expect((await json<Webhook>(['webhooks', 'delete', created.id, '--tenant', 'acme'])).id).toBe(created.id);
    const missing = await cli(['webhooks', 'get', created.id, '--tenant', 'acme']);
    expect(missing.code).not.toBe(0);
    expect(missing.stderr).toMatch(/not found|not_found/);
    const bad = await cli(['webhooks', 'create', '--tenant', 'acme', '--endpoint', 'https://x.test/', '--events', 'bogus']);
    expect(bad.code).not.toBe(0);
    expect(bad.stderr).toMatch(/events/);
  });
});

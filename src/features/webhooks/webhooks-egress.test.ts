import { randomUUID } from 'node:crypto';
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '../../../test/support/http-server.ts';
import { describeEachStore, openRawDatabase, storeTargets } from '../../../test/support/stores.ts';
import type { Database } from '../../db/database.ts';
import { createStrata, type Strata } from '../../index.ts';
import { enqueueEvent } from '../../kernel/events.ts';
import { parseAddressBlock, parseIpAddress, restrictedKind } from './ip-address.ts';
import { startWebhookDispatcher } from './webhook-dispatcher.ts';
import { createWebhookEgress, type HostResolver } from './webhook-egress.ts';

// Every spelling of an internal address a review tried, as a webhook URL. None may be stored.
const internalUrls = [
  'http://127.0.0.1:8080/hook',
  'http://127.0.0.2/',
  'http://localhost:3000/',
  'http://LOCALHOST./',
  'http://api.localhost/',
  'http://[::1]/',
  'http://[::ffff:127.0.0.1]/',
  'http://[::ffff:7f00:1]/',
  'http://2130706433/',
  'http://0x7f000001/',
  'http://0177.0.0.1/',
  'http://127.1/',
  'http://0.0.0.0/',
  'http://0/',
  'http://[::]/',
  'http://169.254.169.254/latest/meta-data/',
  'http://[::ffff:169.254.169.254]/',
  'http://10.0.0.1/',
  'http://10.255.255.254:9200/',
  'http://172.16.0.1/',
  'http://172.31.255.1/',
  'http://192.168.1.1/',
  'http://100.64.0.1/',
  'http://[fc00::1]/',
  'http://[fd12:3456::1]/',
  'http://[fe80::1]/',
  'http://[64:ff9b::7f00:1]/',
  'http://[2002:7f00:1::]/',
  'http://224.0.0.1/',
  'https://255.255.255.255/',
];

describe('address classification', () => {
  it('recognises every restricted range, IPv4 inside IPv6 included, and leaves public unicast alone', () => {
    const kind = (text: string) => {
      const parsed = parseIpAddress(text);
      if (parsed === undefined) throw new Error(`not an address: ${text}`);
      return restrictedKind(parsed);
    };
    expect(kind('127.0.0.1')).toBe('loopback');
    expect(kind('::1')).toBe('loopback');
    expect(kind('::ffff:127.0.0.1')).toBe('loopback');
    expect(kind('0:0:0:0:0:ffff:7f00:0001')).toBe('loopback');
    expect(kind('169.254.169.254')).toBe('link-local');
    expect(kind('fe80::1%eth0')).toBe('link-local');
    expect(kind('10.1.2.3')).toBe('private');
    expect(kind('172.20.0.1')).toBe('private');
    expect(kind('fd00::1')).toBe('private');
    expect(kind('0.0.0.0')).toBe('unspecified');
    expect(kind('::')).toBe('unspecified');
    expect(kind('ff02::1')).toBe('multicast');
    expect(kind('64:ff9b::a00:1')).toBe('private');
    expect(kind('8.8.8.8')).toBeUndefined();
    expect(kind('172.32.0.1')).toBeUndefined();
    expect(kind('2606:4700::1111')).toBeUndefined();
    expect(parseIpAddress('example.test')).toBeUndefined();
    expect(parseAddressBlock('10.0.0.0/33')).toBeUndefined();
    expect(parseAddressBlock('fd00::/8')).toMatchObject({ prefix: 8 });
  });

  it('reads the allow-list from STRATA_WEBHOOK_ALLOW and names the variable for a bad entry', () => {
    const allowed = createWebhookEgress({}, { STRATA_WEBHOOK_ALLOW: ' 10.1.0.0/16 , hooks.internal, *.corp.example ' });
    expect(() => allowed.checkUrl('http://10.1.2.3/')).not.toThrow();
    expect(() => allowed.checkUrl('http://10.2.0.1/')).toThrow(/private/);
    expect(() => createWebhookEgress({}, { STRATA_WEBHOOK_ALLOW: '10.0.0.0/40' })).toThrow(
      expect.objectContaining({ code: 'misconfigured', details: { variable: 'STRATA_WEBHOOK_ALLOW' } }),
    );
    expect(() => createWebhookEgress({ allow: ['http://x/'] }, {})).toThrow(
      expect.objectContaining({ code: 'misconfigured', details: { variable: 'webhooks.allow' } }),
    );
  });

  it('at delivery time refuses a name unless every address it resolves to is allowed', async () => {
    const resolver: HostResolver = async (name) =>
      name === 'mixed.example.test'
        ? [
            { address: '127.0.0.1', family: 4 },
            { address: '127.0.0.2', family: 4 },
          ]
        : [{ address: '127.0.0.1', family: 4 }];
    const strict = createWebhookEgress({ allow: [], resolve: resolver }, {});
    expect(await strict.addressesFor('rebound.example.test')).toEqual({ allowed: false });
    const loopbackOne = createWebhookEgress({ allow: ['127.0.0.1/32'], resolve: resolver }, {});
    expect(await loopbackOne.addressesFor('rebound.example.test')).toEqual({
      allowed: true,
      addresses: [{ address: '127.0.0.1', family: 4 }],
    });
    expect(await loopbackOne.addressesFor('mixed.example.test')).toEqual({ allowed: false });
    const byName = createWebhookEgress({ allow: ['*.example.test'], resolve: resolver }, {});
    expect((await byName.addressesFor('mixed.example.test')).allowed).toBe(true);
  });
});

describeEachStore('webhook egress', (target) => {
  let strata: Strata;
  beforeAll(async () => {
    strata = await target.open({ webhooks: { dispatch: false } });
    await strata.as({ role: 'platform' }).tenants.create({ id: 'attacker' });
  });
  afterAll(() => strata.close());

  it.each(internalUrls)('refuses %s at create, naming url, and stores nothing', async (url) => {
    const admin = strata.as({ tenantId: 'attacker' });
    await expect(admin.webhooks.create({ url, events: ['*'] })).rejects.toMatchObject({ code: 'invalid_input', details: { field: 'url' } });
    expect((await admin.webhooks.list()).items).toEqual([]);
  });

  it('the operator is held to the same rule for platform webhooks', async () => {
    await expect(strata.webhooks.create({ url: 'http://169.254.169.254/', events: ['*'] })).rejects.toMatchObject({
      code: 'invalid_input',
      details: { field: 'url' },
    });
  });

  it('accepts a public name (checked again when delivered) and an allowed internal address', async () => {
    const admin = strata.as({ tenantId: 'attacker' });
    const byName = await admin.webhooks.create({ url: 'https://hooks.example.test/in', events: ['*'] });
    await admin.webhooks.delete(byName.id);
    const allowing = await target.open({ webhooks: { dispatch: false, allow: ['127.0.0.1/32'] } });
    try {
      await allowing.as({ role: 'platform' }).tenants.create({ id: 'a' });
      await expect(allowing.as({ tenantId: 'a' }).webhooks.create({ url: 'http://127.0.0.1:9/', events: ['*'] })).resolves.toMatchObject({
        url: 'http://127.0.0.1:9/',
      });
      await expect(allowing.as({ tenantId: 'a' }).webhooks.create({ url: 'http://10.0.0.1/', events: ['*'] })).rejects.toMatchObject({
        details: { field: 'url' },
      });
    } finally {
      await allowing.close();
    }
  });
});

/** A loopback receiver that records requests and answers with `status` and `headers`, body included. */
async function startAnsweringReceiver(status: number, headers: Record<string, string> = {}) {
  const requests: IncomingHttpHeaders[] = [];
  const server: Server = createServer((request, response) => {
    requests.push(request.headers);
    request.resume();
    request.on('end', () => {
      response.writeHead(status, { 'content-type': 'text/plain', ...headers });
      response.end('internal service banner: redis 7.2, secret=hunter2');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    port,
    requests,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

describeEachStore('webhook delivery under the egress policy', (target) => {
  let database: Database;
  let strata: Strata;
  const inTenant = <T>(work: (db: Parameters<Parameters<Database['withSession']>[1]>[0]) => Promise<T>) =>
    database.withSession({ role: 'admin', clientId: 'default', tenantId: 'e' }, work);
  const raise = () =>
    inTenant((db) =>
      enqueueEvent(db, { tenantId: 'e', type: 'user.erased', eventId: randomUUID(), at: new Date().toISOString(), data: {} }),
    );
  // A made-up name the injected resolver points at loopback: no DNS lookup ever happens.
  const rebinding: HostResolver = async () => [{ address: '127.0.0.1', family: 4 }];

  beforeAll(async () => {
    database = await openRawDatabase(target);
    // Creation allows loopback so the redirect test can register its receivers; each dispatcher
    // below carries its own policy.
    strata = await createStrata({ database, webhooks: { dispatch: false, allow: ['127.0.0.1/32'] } });
    await strata.as({ role: 'platform' }).tenants.create({ id: 'e' });
  });
  afterAll(() => strata.close());

  const deliverOnce = async (options: Parameters<typeof startWebhookDispatcher>[1]) => {
    const dispatcher = startWebhookDispatcher(database, { pollIntervalMs: 3_600_000, ...options });
    try {
      return await dispatcher.poll();
    } finally {
      await dispatcher.stop();
    }
  };

  it('a name that resolves to loopback at delivery time is refused without connecting, then delivered once allowed', async () => {
    const receiver = await startAnsweringReceiver(204);
    try {
      const hook = await strata
        .as({ tenantId: 'e' })
        .webhooks.create({ url: `http://rebound.example.test:${receiver.port}/x`, events: ['*'] });
      await raise();
      expect(await deliverOnce({ resolve: rebinding, allow: [] })).toBe(1);
      expect(receiver.requests).toHaveLength(0);
      const refused = await strata.as({ tenantId: 'e' }).webhooks.deliveries(hook.id);
      expect(refused.items[0]).toMatchObject({ status: 'pending', attempts: 1, lastStatus: null, lastError: 'address not allowed' });

      await inTenant((db) =>
        db.query("UPDATE webhook_deliveries SET next_attempt_at = now() - interval '1 second' WHERE webhook_id = $1", [hook.id]),
      );
      expect(await deliverOnce({ resolve: rebinding, allow: ['127.0.0.1/32'] })).toBe(1);
      // The connection went to the checked address, and the request still names the host.
      expect(receiver.requests).toHaveLength(1);
      expect(receiver.requests[0]?.host).toBe(`rebound.example.test:${receiver.port}`);
      expect((await strata.as({ tenantId: 'e' }).webhooks.deliveries(hook.id)).items[0]).toMatchObject({
        status: 'delivered',
        lastStatus: 204,
      });
      await strata.as({ tenantId: 'e' }).webhooks.delete(hook.id);
    } finally {
      await receiver.close();
    }
  });

  it('never follows a redirect and never records what the receiver said', async () => {
    const inner = await startAnsweringReceiver(200);
    const redirecting = await startAnsweringReceiver(307, { location: `http://127.0.0.1:${inner.port}/internal` });
    const failing = await startAnsweringReceiver(500);
    try {
      const allow = { allow: ['127.0.0.1/32'] };
      const admin = strata.as({ tenantId: 'e' });
      const redirectHook = await admin.webhooks.create({ url: `http://127.0.0.1:${redirecting.port}/`, events: ['*'] });
      const failingHook = await admin.webhooks.create({ url: `http://127.0.0.1:${failing.port}/`, events: ['*'] });
      await raise();
      expect(await deliverOnce(allow)).toBe(2);
      expect(redirecting.requests).toHaveLength(1);
      expect(inner.requests).toHaveLength(0);
      const redirected = await admin.webhooks.deliveries(redirectHook.id);
      expect(redirected.items[0]).toMatchObject({ lastStatus: 307, lastError: 'redirect not followed' });
      const failed = await admin.webhooks.deliveries(failingHook.id);
      expect(failed.items[0]).toMatchObject({ lastStatus: 500, lastError: 'answered 5xx' });
      expect(JSON.stringify([redirected, failed])).not.toMatch(/banner|hunter2|internal/);
      await admin.webhooks.delete(redirectHook.id);
      await admin.webhooks.delete(failingHook.id);
    } finally {
      await Promise.all([inner.close(), redirecting.close(), failing.close()]);
    }
  });
});

describe('webhook egress over HTTP', () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer(storeTargets[0] as (typeof storeTargets)[number], { store: { webhooks: { dispatch: false } } });
  });
  afterAll(() => server.close());

  it('answers 400 invalid_input naming url for an internal receiver', async () => {
    const response = await fetch(`${server.url}/v1/webhooks`, {
      method: 'POST',
      headers: { authorization: `Bearer ${server.adminKey}`, 'content-type': 'application/json' },
      body: JSON.stringify({ url: 'http://[::ffff:169.254.169.254]/latest', events: ['*'] }),
    });
    expect(response.status).toBe(400);
    expect(await response.json()).toMatchObject({ code: 'invalid_input', details: { field: 'url' } });
  });
});

import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mintApiKey } from '../../src/core/api-key.ts';
import { type ApiKey, type ApiKeyKind, createStrata, parseApiKey, type StrataOptions } from '../../src/index.ts';
import { send } from '../http/http-helpers.ts';
import { serveStore, type TestServer } from '../support/http-server.ts';
import { startServe } from '../support/serve-process.ts';
import { describeEachStore } from '../support/stores.ts';
import { filesUnder, leakedSecrets, leakedSecretsInDirectory } from './support/attack-secrets.ts';

// No API key secret (nor a tenant's LLM provider key) exists anywhere but with its holder: not in the database (PGlite's files or a
// pg_dump of the server's database), not in request logs, not in what `strata serve` prints
// (except the operator key's one-time banner), not in any response but the one that created it.
// That a malformed or wrong-checksum key is refused with 401 before any database work is proved
// in test/http/requests.test.ts ('refuses malformed keys before any database work').

const tenantId = 'secrets-tenant';
const clientId = 'secrets-client';

/** Where pg_dump lives: PATH, or PostgreSQL 15's own directory. */
const pgDumpPath = existsSync('/usr/lib/postgresql/15/bin/pg_dump') ? '/usr/lib/postgresql/15/bin/pg_dump' : 'pg_dump';

/** The key requests of every kind and role the service issues. */
const keyRequests: { label: string; kind: ApiKeyKind; body: Record<string, unknown> }[] = [
  { label: 'platform 1', kind: 'platform', body: { role: 'platform', name: 'second operator' } },
  { label: 'platform 2', kind: 'platform', body: { role: 'platform', ttlSeconds: 3_600 } },
  { label: 'client admin 1', kind: 'client', body: { role: 'client_admin', clientId } },
  { label: 'client admin 2', kind: 'client', body: { role: 'client_admin', clientId, name: 'vendor console' } },
  { label: 'tenant admin', kind: 'tenant', body: { tenantId, role: 'admin' } },
  { label: 'tenant member', kind: 'tenant', body: { tenantId, role: 'member' } },
  { label: 'tenant reader', kind: 'tenant', body: { tenantId, role: 'reader' } },
  { label: 'user alice', kind: 'user', body: { tenantId, userId: 'alice' } },
  { label: 'user bob', kind: 'user', body: { tenantId, userId: 'bob', ttlSeconds: 600 } },
];

/** A probe each kind of key may run. */
const probeOf = (kind: ApiKeyKind) => (kind === 'platform' || kind === 'client' ? '/v1/tenants' : '/v1/memories');

describeEachStore('API key secrets at rest and in logs', (target) => {
  let server: TestServer;
  let location: StrataOptions;
  /** label → secret, for every secret issued or presented in this file. */
  const secrets = new Map<string, string>();
  const responses: string[] = [];

  beforeAll(async () => {
    location = await target.location();
    // Opened at the location itself (not from the in-memory fixture), so its files are what reached the disk.
    // Opened exactly at `location`, never from the in-memory fixture: the test inspects what reached the disk.
    // With an LLM base URL and a master key, so a tenant can store its own provider key (sealed).
    server = await serveStore(
      await createStrata({
        ...location,
        llm: { baseUrl: 'http://127.0.0.1:9/v1', model: 'secrets-model' },
        masterKey: randomBytes(32).toString('base64'),
      }),
    );
    secrets.set('test operator', server.adminKey);
    const operator = (request: Parameters<typeof send>[1]) => send(server.url, { ...request, key: server.adminKey });
    expect((await operator({ method: 'POST', path: '/v1/tenants', json: { id: tenantId, clientId } })).status).toBe(201);
    const ids = new Map<string, string>();
    for (const request of keyRequests) {
      const created = await operator({ method: 'POST', path: '/v1/keys', json: request.body });
      expect(created.status, `${request.label}: ${created.text}`).toBe(201);
      const { key, secret } = created.body as { key: ApiKey; secret: string };
      expect(parseApiKey(secret), request.label).toBe(request.kind);
      secrets.set(request.label, secret);
      ids.set(request.label, key.id);
    }
    // Use every key, including writes that store the caller's identity.
    for (const request of keyRequests) {
      const secret = secrets.get(request.label) as string;
      const used = await send(server.url, { path: probeOf(request.kind), key: secret });
      expect(used.status, `${request.label}: ${used.text}`).toBe(200);
      responses.push(used.text);
    }
    for (const label of ['tenant member', 'user alice']) {
      const written = await send(server.url, {
        method: 'POST',
        path: '/v1/memories',
        key: secrets.get(label),
        json: { content: `written with the ${label} key`, metadata: { by: label } },
      });
      expect(written.status, written.text).toBe(201);
      responses.push(written.text);
    }
    // Rotate one (the new secret must not be stored either) and revoke one.
    const rotated = await operator({ method: 'POST', path: `/v1/keys/${ids.get('tenant member')}/rotate`, json: { overlapSeconds: 0 } });
    expect(rotated.status, rotated.text).toBe(201);
    const replacement = (rotated.body as { secret: string }).secret;
    secrets.set('tenant member (rotated)', replacement);
    expect((await send(server.url, { path: '/v1/memories', key: replacement })).status).toBe(200);
    expect((await send(server.url, { path: '/v1/memories', key: secrets.get('tenant member') })).status).toBe(401);
    const revoked = await operator({ method: 'DELETE', path: `/v1/keys/${ids.get('user bob')}` });
    expect(revoked.status, revoked.text).toBe(200);
    responses.push(revoked.text);
    expect((await send(server.url, { path: '/v1/memories', key: secrets.get('user bob') })).status).toBe(401);
    // Keys presented but never issued: a wrong checksum and a well-formed unknown one.
    const member = secrets.get('tenant member (rotated)') as string;
    secrets.set('wrong checksum', `${member.slice(0, -1)}${member.endsWith('A') ? 'B' : 'A'}`);
    secrets.set('never issued', mintApiKey('tenant').secret);
    for (const label of ['wrong checksum', 'never issued']) {
      const refused = await send(server.url, { path: '/v1/memories', key: secrets.get(label) });
      expect(refused.status).toBe(401);
      responses.push(refused.text);
    }
    // A tenant's own LLM provider key: sent once, never stored in clear, echoed or logged.
    const providerKey = `sk-proj-${randomBytes(24).toString('base64url')}`;
    secrets.set('tenant provider key', providerKey);
    const stored = await send(server.url, {
      method: 'PUT',
      path: `/v1/tenants/${tenantId}/provider-key`,
      key: secrets.get('tenant admin'),
      json: { apiKey: providerKey },
    });
    expect(stored.status, stored.text).toBe(200);
    responses.push(stored.text);
    responses.push((await operator({ path: `/v1/tenants/${tenantId}` })).text);
    responses.push((await operator({ path: `/v1/audit?${new URLSearchParams({ tenantId, limit: '200' })}` })).text);
    responses.push((await operator({ path: '/v1/keys?limit=200' })).text);
    responses.push((await operator({ path: `/v1/keys?${new URLSearchParams({ tenantId, limit: '200' })}` })).text);
    for (const id of ids.values()) responses.push((await operator({ path: `/v1/keys/${id}` })).text);
    await server.close();
  });

  afterAll(async () => {
    if ('dataDir' in location && typeof location.dataDir === 'string') rmSync(location.dataDir, { recursive: true, force: true });
  });

  it('issued a secret of every kind, and every probe above ran', () => {
    expect(secrets.size).toBe(keyRequests.length + 5);
    expect(responses.length).toBeGreaterThan(keyRequests.length + 5);
  });

  it('echoes no secret in any later response: listings, key details, 401 problems', () => {
    expect(leakedSecrets(Buffer.from(responses.join('\n')), secrets)).toEqual([]);
  });

  it('writes no secret into any request log line', () => {
    expect(server.logs.length).toBeGreaterThan(keyRequests.length * 2);
    expect(leakedSecrets(Buffer.from(JSON.stringify(server.logs)), secrets)).toEqual([]);
  });

  it('stores no secret at rest: every file of the PGlite data directory, or a pg_dump of the server database', () => {
    if (target.name === 'pglite') {
      const dataDir = (location as { dataDir: string }).dataDir;
      expect(existsSync(dataDir)).toBe(true);
      expect(leakedSecretsInDirectory(dataDir, secrets)).toEqual([]);
      // The scan can see what it looks for: the tenant id written above is in those files.
      const holdsTenantId = filesUnder(dataDir).some((file) => readFileSync(file).indexOf(Buffer.from(tenantId)) !== -1);
      expect(holdsTenantId).toBe(true);
    } else {
      const databaseUrl = (location as { databaseUrl: string }).databaseUrl;
      const dump = execFileSync(pgDumpPath, ['--no-owner', '--no-privileges', databaseUrl], { maxBuffer: 512 * 1024 * 1024 });
      expect(dump.indexOf(Buffer.from(tenantId))).toBeGreaterThan(-1);
      expect(dump.indexOf(Buffer.from('written with the tenant member key'))).toBeGreaterThan(-1);
      expect(leakedSecrets(dump, secrets)).toEqual([]);
    }
  });
});

describe('strata serve in a child process', () => {
  let dataDir: string;

  beforeAll(() => {
    dataDir = mkdtempSync(join(tmpdir(), 'strata-secrets-'));
  });
  afterAll(() => rmSync(dataDir, { recursive: true, force: true }));

  /** Starts `strata serve` with its request log on, and a stop that expects a clean exit on SIGTERM. */
  async function serve() {
    const served = await startServe({ dataDir }, { logRequests: true });
    const stop = async () => {
      served.child.kill('SIGTERM');
      expect(await served.exited).toBe(0);
    };
    return { url: served.url, output: served.output, stop };
  }

  it('prints only the operator key, once, on first start; never a secret in logs, on restart, or in the data directory', async () => {
    const secrets = new Map<string, string>();
    const first = await serve();
    let operatorKey = '';
    try {
      operatorKey = /(sk_platform_[0-9A-Za-z]+)/.exec(first.output())?.[1] ?? '';
      expect(parseApiKey(operatorKey)).toBe('platform');
      const operator = (request: Parameters<typeof send>[1]) => send(first.url, { ...request, key: operatorKey });
      expect((await operator({ method: 'POST', path: '/v1/tenants', json: { id: tenantId, clientId } })).status).toBe(201);
      for (const request of keyRequests) {
        const created = await operator({ method: 'POST', path: '/v1/keys', json: request.body });
        expect(created.status, created.text).toBe(201);
        const { key, secret } = created.body as { key: ApiKey; secret: string };
        secrets.set(request.label, secret);
        expect((await send(first.url, { path: probeOf(request.kind), key: secret })).status, request.label).toBe(200);
        if (request.label === 'tenant admin') {
          const rotated = await operator({ method: 'POST', path: `/v1/keys/${key.id}/rotate`, json: { overlapSeconds: 0 } });
          secrets.set('tenant admin (rotated)', (rotated.body as { secret: string }).secret);
        }
        if (request.label === 'user alice') expect((await operator({ method: 'DELETE', path: `/v1/keys/${key.id}` })).status).toBe(200);
      }
      const refused = await send(first.url, { path: '/v1/memories', key: `${operatorKey.slice(0, -1)}x` });
      expect(refused.status).toBe(401);
      // The banner shows the operator key exactly once, and the request log lines show no other secret.
      expect(first.output().split(operatorKey).length - 1).toBe(1);
      expect(leakedSecrets(Buffer.from(first.output()), secrets)).toEqual([]);
      expect(first.output()).toMatch(/"status":201/);
    } finally {
      await first.stop();
    }
    const second = await serve();
    try {
      expect((await send(second.url, { path: '/v1/tenants', key: operatorKey })).status).toBe(200);
      expect(second.output()).not.toContain('sk_');
    } finally {
      await second.stop();
    }
    secrets.set('operator', operatorKey);
    expect(filesUnder(dataDir).some((file) => readFileSync(file).indexOf(Buffer.from(tenantId)) !== -1)).toBe(true);
    expect(leakedSecretsInDirectory(dataDir, secrets)).toEqual([]);
  }, 120_000);
});

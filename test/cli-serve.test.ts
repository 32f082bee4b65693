import { existsSync, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../src/cli/main.ts';
import { createStrataClient } from '../src/client/index.ts';
import { parseApiKey } from '../src/index.ts';
import { listAllMemories } from './support/list-all.ts';
import { type ServeProcess, startServe } from './support/serve-process.ts';

async function remote(url: string, apiKey: string, args: readonly string[]) {
  let stdout = '';
  let stderr = '';
  const code = await runCli(['--url', url, '--api-key', apiKey, ...args], {
    stdout: { write: (chunk: string) => (stdout += chunk) },
    stderr: { write: (chunk: string) => (stderr += chunk) },
    env: {},
    stdin: Readable.from([]),
  });
  return { code, stdout, stderr };
}

describe('strata serve and the CLI against it', () => {
  let dataDir: string;
  let served: ServeProcess;
  let operatorKey: string;
  beforeAll(async () => {
    dataDir = mkdtempSync(join(tmpdir(), 'strata-serve-'));
    served = await startServe({ dataDir }, { logRequests: true });
    operatorKey = /(sk_platform_\w+)/.exec(served.output())?.[1] ?? '';
  }, 90_000);
  afterAll(async () => {
    if (served.child.exitCode === null) served.child.kill('SIGKILL');
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('prints a new operator key once, on first start, and answers health checks', async () => {
    expect(parseApiKey(operatorKey)).toBe('platform');
    expect(served.output()).toContain('shown this once');
    expect(await (await fetch(`${served.url}/healthz`)).json()).toEqual({ status: 'ok' });
    expect(await (await fetch(`${served.url}/readyz`)).json()).toEqual({ status: 'ready' });
  });

  it('runs commands remotely with --url and --api-key, as the key allows', async () => {
    expect((await remote(served.url, operatorKey, ['tenants', 'create', 'acme'])).code).toBe(0);
    const created = await remote(served.url, operatorKey, ['--json', 'keys', 'create', '--tenant', 'acme', '--user', 'john']);
    expect(created.code).toBe(0);
    const { key, secret } = JSON.parse(created.stdout) as { key: { id: string; kind: string }; secret: string };
    expect(key.kind).toBe('user');
    expect((await remote(served.url, secret, ['memories', 'add', 'Prefers window seats'])).code).toBe(0);
    const search = await remote(served.url, secret, ['--json', 'search', 'seating preference']);
    expect(JSON.parse(search.stdout).hits[0]).toMatchObject({ scope: 'user', content: 'Prefers window seats' });
    const denied = await remote(served.url, secret, ['tenants', 'list']);
    expect(denied).toMatchObject({ code: 1, stderr: expect.stringContaining('strata: forbidden:') });
    expect((await remote(served.url, operatorKey, ['keys', 'revoke', key.id])).code).toBe(0);
    const revoked = await remote(served.url, secret, ['search', 'seating']);
    expect(revoked).toMatchObject({ code: 1, stderr: expect.stringContaining('strata: unauthenticated:') });
  });

  it('sends commands to the running server holding the data directory, with no key given, and refuses a second serve there', async () => {
    const local = async (args: readonly string[]) => {
      let stdout = '';
      let stderr = '';
      const io = { stdout: { write: (c: string) => (stdout += c) }, stderr: { write: (c: string) => (stderr += c) } };
      const code = await runCli(['--data-dir', dataDir, ...args], { ...io, env: {}, stdin: Readable.from([]) });
      return { code, stdout, stderr };
    };
    const info = JSON.parse(readFileSync(join(dataDir, 'strata-serve.json'), 'utf8')) as { pid: number; url: string };
    expect(statSync(join(dataDir, 'strata-serve.json')).mode & 0o777).toBe(0o600);
    expect(info).toMatchObject({ pid: served.child.pid, url: served.url });
    expect((await local(['tenants', 'create', 'via-serve'])).code).toBe(0);
    expect((await local(['--tenant', 'via-serve', '--user', 'ann', 'memories', 'add', 'Ann likes tea'])).code).toBe(0);
    const search = await local(['--json', '--tenant', 'via-serve', '--user', 'ann', 'search', 'tea']);
    expect(JSON.parse(search.stdout).hits[0]).toMatchObject({ scope: 'user', content: 'Ann likes tea' });
    // The request went through the server: its log has it.
    expect(served.output()).toContain('/v1/search');
    const status = await local(['--json', 'status']);
    expect(JSON.parse(status.stdout)).toMatchObject({ service: served.url, servedBy: served.child.pid });
    const refused = await local(['serve', '--port', '0']);
    expect(refused).toMatchObject({ code: 1, stderr: expect.stringContaining('strata: store_locked:') });
    expect(refused.stderr).toContain(served.url);
  });

  it('refuses --url without a key, and serve with --url', async () => {
    const noKey = await runCli(['--url', served.url, 'tenants', 'list'], {
      stdout: { write: () => true },
      stderr: { write: () => true },
      env: {},
      stdin: Readable.from([]),
    });
    expect(noKey).toBe(2);
    expect((await remote(served.url, operatorKey, ['serve'])).code).toBe(2);
  });

  it('finishes in-flight requests on SIGTERM, then starts again without a new key, or with STRATA_ADMIN_KEY', async () => {
    const operator = createStrataClient({ baseUrl: served.url, apiKey: operatorKey }).as({ tenantId: 'acme' });
    const items = Array.from({ length: 500 }, (_, index) => ({
      content: `in-flight memory ${index} ${'words '.repeat(40)}`,
      scope: 'customer' as const,
    }));
    const inFlight = operator.memories.createMany(items);
    await new Promise((resolveWait) => setTimeout(resolveWait, 30));
    served.child.kill('SIGTERM');
    expect(await inFlight).toHaveLength(500);
    expect(await served.exited).toBe(0);
    expect(served.output()).toContain('SIGTERM: finishing in-flight requests and closing');
    // The local CLI file is gone with the server, and its key was revoked.
    expect(existsSync(join(dataDir, 'strata-serve.json'))).toBe(false);
    const again = await startServe({ dataDir }, { logRequests: true });
    try {
      expect(again.output()).not.toContain('sk_platform_');
      expect((await remote(again.url, operatorKey, ['tenants', 'get', 'acme'])).code).toBe(0);
      const reopened = createStrataClient({ baseUrl: again.url, apiKey: operatorKey }).as({ tenantId: 'acme' });
      const stored = await listAllMemories(reopened, { scope: 'customer' });
      expect(stored.filter((memory) => memory.content.startsWith('in-flight memory'))).toHaveLength(500);
    } finally {
      again.child.kill('SIGINT');
      expect(await again.exited).toBe(0);
    }
    const generated = await remote(again.url, operatorKey, ['keys', 'generate']);
    const configuredKey = generated.stdout.trim();
    const configured = await startServe({ dataDir }, { logRequests: true, env: { STRATA_ADMIN_KEY: configuredKey } });
    try {
      expect((await remote(configured.url, configuredKey, ['tenants', 'get', 'acme'])).code).toBe(0);
    } finally {
      configured.child.kill('SIGTERM');
      await configured.exited;
    }
  }, 120_000);
});

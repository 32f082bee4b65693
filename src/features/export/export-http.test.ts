import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
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
import { startTestServer, type TestServer } from '../../../test/support/http-server.ts';
import { describeEachStore } from '../../../test/support/stores.ts';
import { runCli } from '../../cli/main.ts';
import { createStrataClient, type StrataClient } from '../../client/index.ts';
import { createStrata } from '../../index.ts';

interface CliRun {
  code: number;
  stdout: string;
  stderr: string;
}

async function cli(args: readonly string[]): Promise<CliRun> {
  let stdout = '';
  let stderr = '';
  const code = await runCli(args, {
    stdout: { write: (chunk: string) => (stdout += chunk) },
    stderr: { write: (chunk: string) => (stderr += chunk) },
    env: {},
    stdin: Readable.from([]),
  });
  return { code, stdout, stderr };
}

describeEachStore('tenant export and import over HTTP', (target) => {
  let server: TestServer;
  let client: StrataClient;
  let handle: ExportHandle;
  let updatedId: string;
  let lines: string[];
  const keyFor = async (role: 'admin' | 'member' | 'reader', userId?: string) =>
    (await client.keys.create({ tenantId: 'source', role, ...(userId === undefined ? {} : { userId }) })).secret;
  const clientWith = (apiKey: string) => createStrataClient({ baseUrl: server.url, apiKey }) as unknown as ExportHandle;

  beforeAll(async () => {
    server = await startTestServer(target, { server: { importBodyLimit: 4 * 1024 * 1024 } });
    client = server.client;
    handle = client as unknown as ExportHandle;
    await seedOtherTenant(handle, 'other');
    ({ updatedId } = await seedTenant(handle, 'source'));
    lines = await exportLines(handle, 'source');
  });
  afterAll(() => server.close());

  it('streams application/x-ndjson in chunks, header first and trailer last, with no other tenant in it', async () => {
    const response = await fetch(`${server.url}/v1/tenants/source/export?batchSize=2`, {
      headers: { authorization: `Bearer ${server.adminKey}` },
    });
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toMatch(/^application\/x-ndjson/);
    expect(response.headers.get('transfer-encoding')).toBe('chunked');
    const body = await response.text();
    const records = body
      .trimEnd()
      .split('\n')
      .map((line) => JSON.parse(line));
    expect(records[0]).toMatchObject({ type: 'strata-export', tenantId: 'source' });
    expect(records.at(-1)).toMatchObject({ type: 'strata-export-end' });
    expect(body).not.toContain(otherTenantMarker);
    expect(lines.join('\n')).not.toContain(otherTenantMarker);
  });

  it('imports through the client into a new tenant identical in search, lists and history', async () => {
    const report = await client.exports.import('copy', lines, { batchSize: 4 });
    expect(report).toMatchObject({ tenantId: 'copy', sourceTenantId: 'source' });
    expect(portableRecords(await exportLines(handle, 'copy'))).toEqual(portableRecords(lines));
    expectSameTenant(await observeTenant(handle, 'copy', updatedId), await observeTenant(handle, 'source', updatedId));
  });

  it("lets the tenant's admin key export, and refuses member and reader keys with problem+json", async () => {
    const own = await exportLines(clientWith(await keyFor('admin')), 'source');
    const memoriesOf = (all: string[]) => portableRecords(all).filter((record) => (record as { type: string }).type === 'memory');
    expect(memoriesOf(own)).toEqual(memoriesOf(lines));
    for (const role of ['member', 'reader'] as const) {
      const secret = await keyFor(role, 'bob');
      const response = await fetch(`${server.url}/v1/tenants/source/export`, { headers: { authorization: `Bearer ${secret}` } });
      expect(response.status).toBe(403);
      expect(response.headers.get('content-type')).toMatch(/^application\/problem\+json/);
      expect(await response.json()).toMatchObject({ code: 'forbidden' });
      await expect(clientWith(secret).exports.export('source')).rejects.toMatchObject({ code: 'forbidden' });
    }
    const admin = clientWith(await keyFor('admin'));
    await expect(admin.exports.import('by-admin', lines)).rejects.toMatchObject({ code: 'forbidden' });
    const anonymous = await fetch(`${server.url}/v1/tenants/source/export`);
    expect(anonymous.status).toBe(401);
  });

  it('refuses a truncated upload with invalid_input and creates nothing', async () => {
    await expect(client.exports.import('cut', lines.slice(0, -1))).rejects.toMatchObject({
      code: 'invalid_input',
      details: { field: 'trailer' },
    });
    await expect(client.tenants.get('cut')).rejects.toMatchObject({ code: 'not_found' });
    const header = JSON.parse(lines[0] ?? '{}');
    const wrongModel = [JSON.stringify({ ...header, embeddingModel: 'elsewhere' }), ...lines.slice(1)];
    await expect(client.exports.import('cut', wrongModel)).rejects.toMatchObject({
      code: 'invalid_input',
      details: { field: 'embeddingModel' },
    });
    await expect(client.tenants.get('cut')).rejects.toMatchObject({ code: 'not_found' });
  });

  it('refuses an import over the import body limit with 413, and a JSON body with 400', async () => {
    const createdAt = new Date().toISOString();
    const user = (index: number) => JSON.stringify({ type: 'user', id: `u${index}`, role: 'member', metadata: {}, createdAt });
    const huge = [...lines.slice(0, 2), ...Array.from({ length: 60_000 }, (_, index) => user(index))];
    await expect(client.exports.import('huge', huge)).rejects.toMatchObject({ code: 'payload_too_large' });
    await expect(client.tenants.get('huge')).rejects.toMatchObject({ code: 'not_found' });
    const json = await fetch(`${server.url}/v1/tenants/json/import`, {
      method: 'POST',
      headers: { authorization: `Bearer ${server.adminKey}`, 'content-type': 'application/json' },
      body: '{}',
    });
    expect(json.status).toBe(400);
    expect(await json.json()).toMatchObject({ code: 'invalid_input', details: { field: 'content-type' } });
  });

  it('exports and imports with the CLI against the service (--url)', async () => {
    const remote = ['--url', server.url, '--api-key', server.adminKey];
    const exported = await cli([...remote, 'export', 'source', '--batch-size', '3']);
    expect(exported.code).toBe(0);
    expect(exported.stderr).toMatch(
      /exported \d+ records \(tenant 1, usage 1, user 2, conversation 2, message 2, knowledge_base 1, agent 1, collection 2, collection_document 3, memory \d+/,
    );
    const file = join(mkdtempSync(join(tmpdir(), 'strata-export-')), 'source.jsonl');
    writeFileSync(file, exported.stdout);
    const imported = await cli([...remote, '--json', 'import', 'cli-copy', '--in', file]);
    expect(imported.code).toBe(0);
    expect(JSON.parse(imported.stdout)).toMatchObject({ tenantId: 'cli-copy', sourceTenantId: 'source' });
    expect(imported.stderr).toMatch(/read \d+ lines/);
    expectSameTenant(await observeTenant(handle, 'cli-copy', updatedId), await observeTenant(handle, 'source', updatedId));
  });
});

describeEachStore('tenant export and import with the CLI on a local store', (target) => {
  it('writes --out with progress on stderr and imports it back with --in', async () => {
    const location = await target.location();
    const store = await createStrata(location);
    const { updatedId } = await seedTenant(store as unknown as ExportHandle, 'source');
    await store.close();
    const where = location.dataDir === undefined ? ['--database-url', location.databaseUrl ?? ''] : ['--data-dir', location.dataDir];
    const file = join(mkdtempSync(join(tmpdir(), 'strata-export-')), 'source.jsonl');
    const exported = await cli([...where, 'export', 'source', '--out', file]);
    expect(exported).toMatchObject({ code: 0 });
    expect(exported.stdout).toMatch(/file:\s+.*source\.jsonl/);
    expect(exported.stderr).toMatch(
      /^exported \d+ records \(tenant 1, usage 1, user 2, conversation 2, message 2, knowledge_base 1, agent 1, collection 2, collection_document 3, memory/m,
    );
    expect(readFileSync(file, 'utf8').trimEnd().split('\n').at(-1)).toMatch(/"type":"strata-export-end"/);
    const missing = await cli([...where, 'import', 'copy']);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toMatch(/--in <file> is required/);
    const imported = await cli([...where, 'import', 'copy', '--in', file]);
    expect(imported.code, imported.stderr).toBe(0);
    expect(imported.stderr).toMatch(/imported \d+ rows into copy/);
    const reopened = await createStrata(location);
    try {
      const copy = reopened as unknown as ExportHandle;
      expectSameTenant(await observeTenant(copy, 'copy', updatedId), await observeTenant(copy, 'source', updatedId));
    } finally {
      await reopened.close();
    }
  }, 120_000);
});

describe('export lines', () => {
  it('splits chunks at line breaks, across multi-byte characters', async () => {
    const { splitLines } = await import('../../index.ts');
    const bytes = new TextEncoder().encode('{"a":"é"}\r\n{"b":"ü"}\n{"c":1}');
    const chunks = Array.from(bytes, (byte) => new Uint8Array([byte]));
    const lines: string[] = [];
    for await (const line of splitLines(chunks)) lines.push(line);
    expect(lines).toEqual(['{"a":"é"}', '{"b":"ü"}', '{"c":1}']);
  });
});

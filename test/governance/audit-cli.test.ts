import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../../src/cli/main.ts';
import { bar, sparkline } from '../../src/cli/usage-command.ts';
import { openPgliteDatabase } from '../../src/db/pglite-database.ts';
import { createStrata, defaultPriceTable, type UsageReport } from '../../src/index.ts';
import { recordModelUsage } from '../../src/kernel/model-usage.ts';
import { startTestServer, type TestServer } from '../support/http-server.ts';
import { storeTargets } from '../support/stores.ts';

interface CliRun {
  code: number;
  stdout: string;
  stderr: string;
}

async function cli(args: readonly string[], env: Record<string, string> = {}): Promise<CliRun> {
  let stdout = '';
  let stderr = '';
  const code = await runCli(args, {
    stdout: { write: (chunk: string) => (stdout += chunk) },
    stderr: { write: (chunk: string) => (stderr += chunk) },
    env,
    stdin: { [Symbol.asyncIterator]: async function* () {} },
  });
  return { code, stdout, stderr };
}

describe('strata usage and strata audit (local store)', () => {
  let dataDir: string;
  const local = (args: readonly string[], env?: Record<string, string>) => cli(['--data-dir', dataDir, ...args], env);
  beforeAll(async () => {
    dataDir = mkdtempSync(join(tmpdir(), 'strata-audit-cli-'));
    const strata = await createStrata({ dataDir });
    try {
      await strata.tenants.create({ id: 'acme' });
      const ann = strata.as({ tenantId: 'acme', userId: 'ann' });
      for (const content of ['Prefers window seats', 'Vegetarian meals']) await ann.memories.create({ content });
      await ann.search({ query: 'seat' });
    } finally {
      await strata.close();
    }
    // A background job's LLM call, metered as the extraction worker does.
    const database = await openPgliteDatabase({ dataDir, appRole: 'strata_app', statementTimeoutMs: 30_000 });
    const pricing = { prices: defaultPriceTable, embedder: { model: 'strata-hash' } };
    await database.withSession({ role: 'system', tenantId: 'acme', clientId: 'default' }, (db) =>
      recordModelUsage(
        pricing,
        db,
        'acme',
        { operation: 'extraction', model: 'gpt-4o-mini', inputTokens: 1234, outputTokens: 56 },
        undefined,
        new Date(),
      ),
    );
    await database.close();
  });
  afterAll(() => rmSync(dataDir, { recursive: true, force: true }));

  it('prints usage by day with a bar chart, totals and the breakdown by operation', async () => {
    const run = await local(['usage', '--tenant', 'acme']);
    expect(run).toMatchObject({ code: 0, stderr: '' });
    expect(run.stdout).toContain('usage of tenant acme');
    expect(run.stdout).toMatch(/calls per day +[ ▁▂▃▄▅▆▇█]+ +\(peak 3\)/);
    expect(run.stdout).toMatch(/DAY +CALLS +ERRORS +EMB TOKENS/);
    expect(run.stdout).toContain('█');
    expect(run.stdout).toMatch(/totals: 3 calls, 0 errors/);
    expect(run.stdout).toMatch(/memories\.create +2/);
    const json = await local(['--json', 'usage', '--tenant', 'acme', '--from', '2026-01-01', '--to', '2026-01-03']);
    const report = JSON.parse(json.stdout) as UsageReport;
    expect(report).toMatchObject({ tenantId: 'acme', from: '2026-01-01', to: '2026-01-03', totals: { calls: 0 } });
    expect(report.byDay).toHaveLength(3);
  });

  it('shows LLM input and output tokens by day, by operation and in the totals', async () => {
    const run = await local(['usage', '--tenant', 'acme']);
    expect(run).toMatchObject({ code: 0, stderr: '' });
    expect(run.stdout).toMatch(/DAY +CALLS +ERRORS +EMB TOKENS +LLM IN +LLM OUT +MEMORIES/);
    expect(run.stdout).toMatch(/OPERATION +CALLS +ERRORS +EMB TOKENS +LLM IN +LLM OUT +COST/);
    expect(run.stdout).toMatch(/extraction +0 +0 +0 +1,234 +56 +\$0\.000219/);
    expect(run.stdout).toMatch(/1,234 LLM input and 56 LLM output tokens, estimated cost \$0\.000219/);
    const today = new Date().toISOString().slice(0, 10);
    expect(run.stdout).toMatch(new RegExp(`${today} +\\d+ +0 +\\d+ +1,234 +56 `));
  });

  it('reports a bad date or a price table problem with the field named', async () => {
    const bad = await local(['usage', '--tenant', 'acme', '--from', '2026-02-30']);
    expect(bad.code).toBe(1);
    expect(bad.stderr).toMatch(/invalid_input: from: /);
    const prices = await local(['usage', '--tenant', 'acme'], {
      STRATA_PRICE_TABLE: '{"currency":"USD","models":{"m":{"embeddingPer1kTokens":-2}}}',
    });
    expect(prices.code).toBe(1);
    expect(prices.stderr).toMatch(/misconfigured: STRATA_PRICE_TABLE\.models\.m\.embeddingPer1kTokens/);
  });

  it('lists audit entries with filters', async () => {
    const run = await local(['audit', 'list', '--tenant', 'acme', '--action', 'memories.']);
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(/SEQ +AT +ROLE +ACTOR/);
    expect(run.stdout.match(/memories\.create/g)).toHaveLength(2);
    expect(run.stdout).not.toContain('search');
    const json = JSON.parse((await local(['--json', 'audit', 'list', '--tenant', 'acme', '--actor', 'ann', '--limit', '1'])).stdout);
    expect(json.items).toHaveLength(1);
    expect(json.nextCursor).toEqual(expect.any(String));
    const bad = await local(['audit', 'list', '--outcome', 'maybe']);
    expect(bad.code).toBe(2);
  });

  it('verifies a chain: exit 0 when intact, exit 1 naming the first broken entry after tampering', async () => {
    const intact = await local(['audit', 'verify', '--tenant', 'acme']);
    expect(intact).toMatchObject({ code: 0 });
    expect(intact.stdout).toMatch(/^ok: the audit chain of tenant acme is intact/);
    expect((await local(['audit', 'verify'])).stdout).toMatch(/^ok: the platform audit chain is intact/);
    // Tamper as the database owner: entry 2's action is rewritten.
    const database = await openPgliteDatabase({ dataDir, appRole: 'strata_app', statementTimeoutMs: 30_000 });
    await database.asOwner((db) => db.query(`UPDATE audit_log SET action = 'memories.get' WHERE tenant_id = 'acme' AND seq = 2`));
    await database.close();
    const broken = await local(['audit', 'verify', '--tenant', 'acme']);
    expect(broken.code).toBe(1);
    expect(broken.stdout).toMatch(/^BROKEN: the audit chain of tenant acme fails at entry 2 \(hash\)/);
    const json = await local(['--json', 'audit', 'verify', '--tenant', 'acme']);
    expect(json.code).toBe(1);
    expect(JSON.parse(json.stdout)).toMatchObject({ ok: false, firstBreak: { seq: 2, reason: 'hash' } });
  });
});

describe('strata usage and strata audit (--url)', () => {
  let server: TestServer;
  let tenantKey: string;
  beforeAll(async () => {
    server = await startTestServer(storeTargets[0] as (typeof storeTargets)[number]);
    await server.client.tenants.create({ id: 'acme' });
    await server.client.as({ tenantId: 'acme', userId: 'ann' }).memories.create({ content: 'Prefers window seats' });
    tenantKey = (await server.client.keys.create({ tenantId: 'acme', role: 'admin' })).secret;
  });
  afterAll(() => server.close());

  it('reports usage and verifies the chain through the service with a tenant key', async () => {
    const remote = (args: readonly string[]) => cli(['--url', server.url, '--api-key', tenantKey, ...args]);
    const usage = await remote(['usage']);
    expect(usage.code).toBe(0);
    expect(usage.stdout).toContain('usage of tenant acme');
    expect(usage.stdout).toMatch(/memories\.create +1/);
    const verify = await remote(['audit', 'verify']);
    expect(verify).toMatchObject({ code: 0 });
    expect(verify.stdout).toContain('tenant acme is intact');
    const list = await remote(['audit', 'list', '--action', 'usage.report']);
    expect(list.stdout).toContain('usage.report');
    const other = await remote(['audit', 'list', '--tenant', 'globex']);
    expect(other.code).toBe(1);
    expect(other.stderr).toMatch(/forbidden/);
  });
});

describe('charts', () => {
  it('draws bars in eighth cells and a sparkline scaled to the peak', () => {
    expect(bar(0, 10)).toBe('');
    expect(bar(10, 10)).toBe('█'.repeat(24));
    expect(bar(5, 10)).toBe('█'.repeat(12));
    expect(bar(1, 1000)).toBe('▏');
    expect(sparkline([0, 1, 4, 8])).toBe(' ▁▄█');
    expect(sparkline([0, 0])).toBe('  ');
  });
});

import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { Readable } from 'node:stream';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../src/cli/main.ts';
import type {
  Agent,
  Collection,
  CollectionDocument,
  ContextResult,
  CreateMemoryResult,
  KnowledgeBase,
  Memory,
  Page,
  SearchResult,
  Tenant,
  TenantDeletionReport,
} from '../src/index.ts';
import { createStrata } from '../src/index.ts';

const repositoryRoot = resolve(import.meta.dirname, '..');
const binPath = join(repositoryRoot, 'bin', 'strata.js');
const runFile = promisify(execFile);

interface CliRun {
  code: number;
  stdout: string;
  stderr: string;
}

// One data directory for the whole file: initialising a PGlite directory takes seconds,
// reopening it a fraction of one. Tests run in order and each command closes the store.
let dataDir: string;

beforeAll(() => {
  dataDir = mkdtempSync(join(tmpdir(), 'strata-cli-'));
});

afterAll(() => {
  rmSync(dataDir, { recursive: true, force: true });
});

async function cli(args: readonly string[], options: { stdin?: string } = {}): Promise<CliRun> {
  let stdout = '';
  let stderr = '';
  const code = await runCli(['--data-dir', dataDir, ...args], {
    stdout: { write: (chunk: string) => (stdout += chunk) },
    stderr: { write: (chunk: string) => (stderr += chunk) },
    env: {},
    stdin: Readable.from(options.stdin === undefined ? [] : [options.stdin]),
  });
  return { code, stdout, stderr };
}

/** Runs a command with --json and parses stdout, which must be exactly one JSON document. */
async function cliJson<T>(args: readonly string[], options: { stdin?: string } = {}): Promise<T> {
  const run = await cli(['--json', ...args], options);
  expect(run.stderr).toBe('');
  expect(run.code).toBe(0);
  return JSON.parse(run.stdout) as T;
}

/** A failure prints exactly one line on stderr and nothing on stdout. */
function expectOneLineError(run: CliRun, code: number, pattern: RegExp): void {
  expect(run.code).toBe(code);
  expect(run.stdout).toBe('');
  expect(run.stderr.endsWith('\n')).toBe(true);
  expect(run.stderr.trimEnd().split('\n')).toHaveLength(1);
  expect(run.stderr).toMatch(pattern);
}

describe.sequential('strata command line', () => {
  it('prints help with exit 0 without opening the store', async () => {
    const root = await cli(['--help']);
    expect(root.code).toBe(0);
    expect(root.stdout).toContain('Usage: strata <command>');
    expect(root.stdout).toContain('memories add <text>');
    const command = await cli(['memories', 'add', '-h']);
    expect(command.code).toBe(0);
    expect(command.stdout).toContain('--ttl <seconds>');
    const group = await cli(['tenants', '--help']);
    expect(group.stdout).toContain('tenants delete <id>');
    expect(existsSync(join(dataDir, 'PG_VERSION'))).toBe(false);
  });

  it('rejects an unknown command and a bad serve port with exit 2', async () => {
    expectOneLineError(await cli(['frobnicate']), 2, /^strata: unknown command 'frobnicate'; run 'strata --help'/);
    expectOneLineError(await cli(['serve', '--port', '70000']), 2, /^strata: --port: must be between 0 and 65535/);
    expectOneLineError(await cli(['memories', 'nope']), 2, /^strata: unknown command 'memories nope'/);
    expectOneLineError(await cli([]), 2, /^strata: missing command/);
  });

  it('treats bad JSON, bad numbers, unknown options and missing arguments as usage errors (exit 2)', async () => {
    expectOneLineError(
      await cli(['--tenant', 'acme', 'memories', 'add', 'x', '--metadata', '{bad']),
      2,
      /^strata: --metadata: not valid JSON/,
    );
    expectOneLineError(await cli(['--tenant', 'acme', 'search', 'x', '--filter', '[1]']), 2, /^strata: --filter: must be a JSON object/);
    expectOneLineError(await cli(['tenants', 'create', 'x', '--settings', 'nope']), 2, /^strata: --settings: not valid JSON/);
    expectOneLineError(await cli(['tenants', 'list', '--limit', 'ten']), 2, /^strata: --limit: must be a whole number/);
    expectOneLineError(await cli(['tenants', 'list', '--scope', 'user']), 2, /^strata: tenants list: unknown option --scope/);
    expectOneLineError(await cli(['tenants', 'get']), 2, /^strata: tenants get: missing <id>/);
    expectOneLineError(await cli(['tenants', 'get', 'a', 'b']), 2, /^strata: tenants get: unexpected argument 'b'/);
    expectOneLineError(await cli(['tenants', 'update', 'acme']), 2, /^strata: tenants update: give at least one of --name/);
  });

  it('creates, lists and deletes tenants', async () => {
    const acme = await cliJson<Tenant>(['tenants', 'create', 'acme', '--name', 'Acme Inc', '--settings', '{"tier":1}']);
    expect(acme).toMatchObject({ id: 'acme', name: 'Acme Inc', settings: { tier: 1 }, status: 'active' });
    await cliJson<Tenant>(['tenants', 'create', 'beta', '--client', 'app1']);

    const page = await cliJson<Page<Tenant>>(['tenants', 'list']);
    expect(page.items.map((tenant) => [tenant.id, tenant.clientId])).toEqual([
      ['acme', 'default'],
      ['beta', 'app1'],
    ]);
    const table = await cli(['tenants', 'list']);
    expect(table.code).toBe(0);
    expect(table.stdout.split('\n')[0]).toMatch(/^ID\s+CLIENT\s+PLAN\s+STATUS\s+CREATED\s+NAME$/);
    expect(table.stdout).toMatch(/acme\s+default\s+custom\s+active/);

    const report = await cliJson<TenantDeletionReport>(['tenants', 'delete', 'beta']);
    expect(report.tenantId).toBe('beta');
    expect(report.deleted.tenants).toBe(1);
    expect((await cliJson<Page<Tenant>>(['tenants', 'list'])).items.map((tenant) => tenant.id)).toEqual(['acme']);
  });

  it('reports a StrataError as one line with its code and exit 1', async () => {
    expectOneLineError(await cli(['tenants', 'create', 'bad id!']), 1, /^strata: invalid_input: id: must be 1-255 characters/);
    expectOneLineError(await cli(['--tenant', 'bad/id', 'memories', 'list']), 1, /^strata: invalid_input: tenantId: /);
    expectOneLineError(await cli(['tenants', 'get', 'missing']), 1, /^strata: not_found: tenant "missing" not found$/m);
    expectOneLineError(await cli(['tenants', 'create', 'acme']), 1, /^strata: conflict: /);
  });

  it('adds memories, then finds them with search and context', async () => {
    const john = ['--tenant', 'acme', '--user', 'john'];
    const added = await cliJson<CreateMemoryResult>([
      ...john,
      'memories',
      'add',
      'John prefers window seats on long flights',
      '--metadata',
      '{"topic":"travel"}',
    ]);
    expect(added.memory).toMatchObject({ scope: 'user', userId: 'john', metadata: { topic: 'travel' } });
    const fromStdin = await cliJson<CreateMemoryResult>(['--tenant', 'acme', 'memories', 'add', '-', '--scope', 'customer'], {
      stdin: 'Acme escalates support tickets in Slack\n',
    });
    expect(fromStdin.memory.content).toBe('Acme escalates support tickets in Slack');

    const result = await cliJson<SearchResult>([...john, 'search', 'window seat on flights', '--mode', 'hybrid']);
    expect(result.hits[0]).toMatchObject({ memoryId: added.memory.id, scope: 'user' });
    expect(result.hits.map((hit) => hit.scope)).toContain('customer');
    const filtered = await cliJson<SearchResult>([...john, 'search', 'seats', '--filter', '{"topic":"billing"}']);
    expect(filtered.hits).toEqual([]);

    const context = await cliJson<ContextResult>([...john, 'context', 'seats', '--budget', '200']);
    expect(context.text).toContain('John prefers window seats on long flights');
    const text = await cli([...john, 'context', 'seats']);
    expect(text.stdout).toMatch(/^Relevant memories/);

    const human = await cli([...john, 'search', 'window seats']);
    expect(human.stdout.split('\n')[0]).toMatch(/^RANK\s+SCORE\s+SCOPE\s+ID\s+CONTENT$/);
    expect(human.stdout).toMatch(/^1\s+\d\.\d{4}\s+user\s+/m);
  });

  it('manages knowledge bases from files and agents that read them', async () => {
    const admin = ['--tenant', 'acme', '--role', 'admin'];
    const base = await cliJson<KnowledgeBase>([...admin, 'kb', 'create', 'Runbooks', '--description', 'On-call notes']);
    expect(base).toMatchObject({ name: 'Runbooks', scope: 'customer', writable: true });
    const file = join(dataDir, 'paging.md');
    writeFileSync(file, '# Paging\n\nThe on-call engineer acknowledges pages within five minutes.');
    const added = await cli([...admin, 'kb', 'add', base.id, file, '--doc-id', 'runbooks/paging.md']);
    expect(added).toMatchObject({ code: 0, stdout: 'added runbooks/paging.md: 1 chunks\n' });
    const listed = await cli([...admin, 'kb', 'documents', base.id]);
    expect(listed.stdout).toMatch(/^runbooks\/paging\.md\s+-\s+markdown\s+1\s+/m);
    const found = await cliJson<SearchResult>([...admin, 'kb', 'search', 'acknowledge pages', '--kb', base.id, '--mode', 'keyword']);
    expect(found.hits[0]?.source).toMatchObject({ kind: 'document', documentId: 'runbooks/paging.md', contentType: 'markdown' });
    const agent = await cliJson<Agent>([...admin, 'agents', 'create', 'On-call helper', '--id', 'oncall', '--kb', base.id]);
    expect(agent).toMatchObject({ id: 'oncall', knowledgeBaseIds: [base.id] });
    const context = await cliJson<ContextResult>([
      '--tenant',
      'acme',
      '--user',
      'john',
      'context',
      'how fast are pages acknowledged',
      '--agent',
      'oncall',
      '--mode',
      'keyword',
    ]);
    expect(context.text).toContain('acknowledges pages within five minutes');
    expect((await cli([...admin, 'agents', 'delete', 'oncall'])).stdout).toBe('deleted agent oncall\n');
    expect((await cli([...admin, 'kb', 'delete', base.id])).stdout).toBe(`deleted knowledge base ${base.id}: 1 documents, 1 chunks\n`);
    expectOneLineError(await cli([...admin, 'kb', 'search', 'x']), 2, /name the knowledge bases with --kb/);
  });

  it('manages document collections: insert (one, many, from stdin), find with a filter and an indexed sort, patch, remove', async () => {
    const admin = ['--tenant', 'acme', '--role', 'admin'];
    const created = await cliJson<Collection>([...admin, 'collections', 'create', 'orders', '--index', 'status,total']);
    expect(created).toMatchObject({ name: 'orders', indexes: ['status', 'total'], documentCount: 0 });
    const one = await cliJson<CollectionDocument>([
      ...admin,
      'collections',
      'insert',
      'orders',
      '{"status":"open","total":30}',
      '--id',
      'o-1',
    ]);
    expect(one).toMatchObject({ id: 'o-1', version: 1, document: { status: 'open', total: 30 } });
    const many = await cli([...admin, 'collections', 'insert', 'orders', '-'], {
      stdin: JSON.stringify([
        { id: 'o-2', document: { status: 'open', total: 99 } },
        { id: 'o-3', document: { status: 'shipped', total: 5 } },
      ]),
    });
    expect(many).toMatchObject({ code: 0, stdout: 'inserted 2 documents: o-2, o-3\n' });
    const found = await cliJson<Page<CollectionDocument>>([
      ...admin,
      'collections',
      'find',
      'orders',
      '--filter',
      '{"status":"open"}',
      '--sort',
      'total',
      '--desc',
    ]);
    expect(found.items.map((document) => document.id)).toEqual(['o-2', 'o-1']);
    const patched = await cliJson<CollectionDocument>([
      ...admin,
      'collections',
      'patch',
      'orders',
      'o-1',
      '{"total":31}',
      '--if-version',
      '1',
    ]);
    expect(patched).toMatchObject({ version: 2, document: { status: 'open', total: 31 } });
    expectOneLineError(
      await cli([...admin, 'collections', 'replace', 'orders', 'o-1', '{"status":"x"}', '--if-version', '1']),
      1,
      /conflict/,
    );
    const table = await cli([...admin, 'collections', 'list']);
    expect(table.stdout).toMatch(/^orders\s+3\s+\d+\s+status, total$/m);
    expect((await cli([...admin, 'collections', 'remove', 'orders', 'o-3'])).stdout).toBe('deleted document o-3\n');
    expectOneLineError(await cli([...admin, 'collections', 'insert', 'orders', '{"status":']), 2, /<json>: not valid JSON/);
    expectOneLineError(await cli([...admin, 'collections', 'find', 'orders', '--desc']), 2, /--desc needs --sort/);
    expectOneLineError(await cli(['--tenant', 'acme', '--role', 'reader', 'collections', 'insert', 'orders', '{}']), 1, /forbidden/);
    expect((await cli([...admin, 'collections', 'delete', 'orders'])).stdout).toBe('deleted collection orders: 2 documents\n');
  });

  it('updates a memory, keeps its history and deletes it', async () => {
    const acme = ['--tenant', 'acme'];
    const { memory } = await cliJson<CreateMemoryResult>([...acme, 'memories', 'add', 'Office opens at 9']);
    const updated = await cliJson<Memory>([...acme, 'memories', 'update', memory.id, '--text', 'Office opens at 8', '--type', 'fact']);
    expect(updated).toMatchObject({ version: 2, content: 'Office opens at 8', documentType: 'fact' });
    const history = await cliJson<{ content: string }[]>([...acme, 'memories', 'history', memory.id]);
    expect(history.map((version) => version.content)).toEqual(['Office opens at 9']);
    const listed = await cliJson<Page<Memory>>([...acme, 'memories', 'list', '--type', 'fact']);
    expect(listed.items.map((item) => item.id)).toEqual([memory.id]);
    await cliJson([...acme, 'memories', 'delete', memory.id]);
    expectOneLineError(await cli([...acme, 'memories', 'get', memory.id]), 1, /^strata: not_found: memory /);
  });

  it('runs maintenance for the operator only', async () => {
    const report = await cliJson<{ model: string; tenants: number; rows: number }>(['re-embed', '--batch-size', '10']);
    expect(report).toMatchObject({ model: expect.any(String), tenants: 1, rows: 0 });
    const index = await cliJson<{ tenantId: string; index: string }>(['index', 'build', 'acme']);
    expect(index.tenantId).toBe('acme');
    expectOneLineError(await cli(['--tenant', 'acme', 'index', 'large']), 1, /^strata: forbidden: /);
  });

  it('runs the real bin/strata.js as a child process', async () => {
    const { stdout, stderr } = await runFile(process.execPath, [binPath, '--data-dir', dataDir, '--json', 'tenants', 'create', 't1'], {
      cwd: repositoryRoot,
    });
    expect(stderr).toBe('');
    expect(JSON.parse(stdout)).toMatchObject({ id: 't1', status: 'active' });
  });

  it('fails with store_locked while another store holds the data directory', async () => {
    const holder = await createStrata({ dataDir });
    try {
      const failure = await runFile(process.execPath, [binPath, '--data-dir', dataDir, 'tenants', 'list'], { cwd: repositoryRoot }).then(
        () => {
          throw new Error('the command should have failed');
        },
        (error: { code: number; stdout: string; stderr: string }) => error,
      );
      expectOneLineError({ code: failure.code, stdout: failure.stdout, stderr: failure.stderr }, 1, /^strata: store_locked: /);
    } finally {
      await holder.close();
    }
  });
});

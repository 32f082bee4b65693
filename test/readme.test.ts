import { execFile, spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { signatureHeader } from '../src/features/webhooks/webhook-signature.ts';
import { type ChatCompletionsServer, startChatCompletionsServer } from '../src/testing/openai-chat-server.ts';
import { type ServeProcess, startServe } from './support/serve-process.ts';
import { type OtlpReceiver, startOtlpReceiver } from './telemetry/otlp-receiver.ts';

/**
 * Every ```sh and ```ts block of README.md runs here as written, twice in a row, in a project
 * directory the way a reader has one: `strata` installed in its node_modules (a link to this
 * repository), `npm start` running in it on 127.0.0.1:8787 with its store in ./.strata, an
 * OpenAI-compatible chat endpoint (a local stub) in STRATA_LLM_*, STRATA_WEBHOOK_ALLOW letting
 * webhooks reach 127.0.0.1, and STRATA_API_KEY holding a user key of a tenant of its own (the
 * SDK snippet reads it), and a collector for OpenTelemetry spans on 127.0.0.1:4318. Shell blocks
 * run under `bash -e`, so any failing command fails the block; a curl answer with an error
 * status fails it too. A block that starts a server (the webhook receiver) runs until it
 * answers on its port, gets a signed and a forged delivery, and is stopped. Blocks in other
 * languages (output, file formats, syntax summaries) are not run.
 */

const repository = resolve(import.meta.dirname, '..');
const readme = readFileSync(join(repository, 'README.md'), 'utf8');

interface Block {
  line: number;
  language: string;
  code: string;
}

function fencedBlocks(markdown: string): Block[] {
  const blocks: Block[] = [];
  const lines = markdown.split('\n');
  for (let index = 0; index < lines.length; index += 1) {
    const opening = /^```(\S*)/.exec(lines[index] as string);
    if (opening === null) continue;
    const end = lines.findIndex((line, at) => at > index && line.startsWith('```'));
    if (end === -1) throw new Error(`README.md:${index + 1}: unclosed code block`);
    blocks.push({ line: index + 1, language: opening[1] ?? '', code: lines.slice(index + 1, end).join('\n') });
    index = end;
  }
  return blocks;
}

/** Blocks not run here, each with the reason; matched by their first line. */
const notRun: Record<string, string> = {
  'npm install': 'the install, start and test commands: CI runs them, and this test is part of `npm test`',
  'eval "$(../shared/scripts/start-postgres.sh)"          # as root: starts PostgreSQL + pgvector':
    'starts a PostgreSQL server as root: CI runs it before the suite',
};

/** Blocks that start a server and run until stopped: first line → the port they listen on. */
const servers: Record<string, number> = { "import { createServer } from 'node:http';": 3000 };
const webhookSecret = 'whsec_readme_receiver';

const blocks = fencedBlocks(readme).filter((block) => block.language === 'sh' || block.language === 'ts');
const runnable = blocks.filter((block) => notRun[block.code.split('\n')[0] ?? ''] === undefined);

let project: string;
let server: ServeProcess;
let llm: ChatCompletionsServer;
let environment: NodeJS.ProcessEnv;
let collector: OtlpReceiver;

function run(command: string, args: string[]): Promise<{ code: number; output: string }> {
  return new Promise((done) => {
    execFile(command, args, { cwd: project, env: environment, timeout: 120_000, maxBuffer: 16 * 1024 * 1024 }, (error, stdout, stderr) => {
      done({ code: error === null ? 0 : typeof error.code === 'number' ? error.code : 1, output: `${stdout}${stderr}` });
    });
  });
}

function typeScriptCommand(block: Block): string[] {
  const file = join(project, `readme-line-${block.line}.mts`);
  writeFileSync(file, block.code);
  // The reader's own TypeScript runner; tsx is this repository's.
  return ['--import', pathToFileURL(join(repository, 'node_modules', 'tsx', 'dist', 'loader.mjs')).href, file];
}

function runBlock(block: Block): Promise<{ code: number; output: string }> {
  if (block.language === 'sh') return run('bash', ['-e', '-o', 'pipefail', '-c', block.code]);
  const port = servers[block.code.split('\n')[0] ?? ''];
  if (port !== undefined) return runServerBlock(block, port);
  return run(process.execPath, typeScriptCommand(block));
}

/** Starts a server block, sends it a signed and a forged webhook delivery, stops it. */
async function runServerBlock(block: Block, port: number): Promise<{ code: number; output: string }> {
  const child = spawn(process.execPath, typeScriptCommand(block), { cwd: project, env: environment });
  let output = '';
  child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const exited = new Promise<void>((done) => child.once('exit', () => done()));
  const deliver = async (signature: 'signed' | 'forged') => {
    const body = JSON.stringify({ id: `evt-${signature}`, type: 'webhook.test', createdAt: new Date().toISOString(), data: {} });
    const timestamp = String(Math.floor(Date.now() / 1000));
    const secret = signature === 'signed' ? webhookSecret : 'not-the-secret';
    const response = await fetch(`http://127.0.0.1:${port}/strata`, {
      method: 'POST',
      headers: { 'strata-webhook-timestamp': timestamp, 'strata-webhook-signature': signatureHeader(secret, timestamp, body) },
      body,
    });
    return response.status;
  };
  try {
    const started = Date.now();
    for (;;) {
      if (child.exitCode !== null) return { code: child.exitCode, output };
      try {
        const signed = await deliver('signed');
        const forged = await deliver('forged');
        const answers = `signed delivery: ${signed}, forged delivery: ${forged}`;
        return { code: signed === 204 && forged === 401 ? 0 : 1, output: `${output}${answers}\n` };
      } catch {
        if (Date.now() - started > 60_000) return { code: 1, output: `${output}no answer on port ${port} within 60 s\n` };
        await new Promise((wait) => setTimeout(wait, 100));
      }
    }
  } finally {
    child.kill('SIGTERM');
    await exited;
  }
}

beforeAll(async () => {
  project = mkdtempSync(join(tmpdir(), 'strata-readme-'));
  mkdirSync(join(project, 'node_modules', '.bin'), { recursive: true });
  symlinkSync(repository, join(project, 'node_modules', 'strata'));
  symlinkSync(join(repository, 'bin', 'strata.js'), join(project, 'node_modules', '.bin', 'strata'));
  writeFileSync(join(project, 'package.json'), `${JSON.stringify({ name: 'readme-reader', private: true, type: 'module' })}\n`);
  llm = await startChatCompletionsServer();
  // Where the telemetry example sends its spans.
  collector = await startOtlpReceiver(4318);
  environment = {
    PATH: process.env.PATH ?? '',
    HOME: project,
    npm_config_offline: 'true',
    npm_config_update_notifier: 'false',
    npm_config_fund: 'false',
    STRATA_LLM_URL: llm.url,
    STRATA_LLM_MODEL: 'stub-chat',
    // The webhook examples point at a receiver on this machine, as README says to start it.
    STRATA_WEBHOOK_ALLOW: '127.0.0.1/32',
    STRATA_WEBHOOK_SECRET: webhookSecret,
  };
  server = await startServe({ dataDir: join(project, '.strata') }, { port: 8787, cwd: project, env: environment });
  const tenant = await fetch(`${server.url}/v1/tenants`, {
    method: 'POST',
    headers: { authorization: `Bearer ${server.printedKey}`, 'content-type': 'application/json' },
    body: JSON.stringify({ id: 'readers' }),
  });
  expect(tenant.status).toBe(201);
  const key = await fetch(`${server.url}/v1/keys`, {
    method: 'POST',
    headers: { authorization: `Bearer ${server.printedKey}`, 'content-type': 'application/json' },
    body: JSON.stringify({ tenantId: 'readers', userId: 'reader', name: 'README SDK snippet' }),
  });
  expect(key.status).toBe(201);
  environment.STRATA_API_KEY = ((await key.json()) as { secret: string }).secret;
}, 120_000);

afterAll(async () => {
  await server?.kill();
  await llm?.close();
  await collector?.close();
  if (project !== undefined) rmSync(project, { recursive: true, force: true });
});

describe('README.md', () => {
  it('runs every sh and ts block but the ones listed, each for a stated reason', () => {
    const skipped = blocks.filter((block) => !runnable.includes(block));
    expect(skipped.map((block) => block.code.split('\n')[0]).sort()).toEqual(Object.keys(notRun).sort());
    expect(runnable.length).toBeGreaterThan(10);
  });

  for (const block of runnable) {
    it(`runs the ${block.language} block at line ${block.line} twice in a row`, async () => {
      for (const attempt of ['first', 'second']) {
        const { code, output } = await runBlock(block);
        expect(code, `${attempt} run of README.md:${block.line} failed:\n${output}`).toBe(0);
        expect(output, `${attempt} run of README.md:${block.line} printed an error answer:\n${output}`).not.toMatch(/"status":\s*[45]\d\d/);
      }
    }, 240_000);
  }

  // Runs after the blocks (tests in a file run in order): the telemetry example flushed its spans.
  it("delivered the telemetry example's spans to the collector it names", () => {
    expect(collector.bodies.length).toBeGreaterThanOrEqual(2);
  });
});

/**
 * `node --import tsx bench/startup/startup.ts`: how long `strata serve` takes to answer, and how much
 * memory it holds, on the embedded store. Each run starts `node bin/strata.js serve` (what
 * `npm start` runs) on a fresh data directory, then again on the same directory (an existing
 * store), polls `GET /healthz` and `GET /readyz` every 10 ms, samples the resident memory of the
 * whole process tree (the Node process and its children, e.g. esbuild's service) every 25 ms,
 * and reads it again after an idle period. Two more runs on a fresh store time `npm start` itself
 * and a first start after `npm install` (tsx's transform cache disabled). Writes bench/results/startup.md and startup.json. Linux only (reads /proc).
 *
 * Flags: --runs <n> (default 3), --idle-seconds <s> (default 10), --out <prefix> (default
 * bench/results/startup), --baseline <dir> (another checkout, e.g. a git worktree of an older
 * commit with node_modules linked: measured in the same run, each run alternating which tree
 * goes first), --label <text> and --baseline-label <text> (name the two trees in the report).
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { describeMachine } from '../lib/machine.ts';
import { percentile } from '../lib/stats.ts';

/** `cold`: tsx's transform cache disabled, as on the first start after `npm install`. */
type Launcher = 'node bin/strata.js serve' | 'npm start' | 'node bin/strata.js serve, cold';

interface RunFigures {
  tree: string;
  store: 'fresh' | 'existing';
  launcher: Launcher;
  healthzMs: number;
  readyzMs: number;
  peakRssMiB: number;
  idleRssMiB: number;
}

const repository = resolve(import.meta.dirname, '..', '..');

const { values } = parseArgs({
  options: {
    runs: { type: 'string', default: '3' },
    'idle-seconds': { type: 'string', default: '10' },
    label: { type: 'string', default: 'this tree' },
    baseline: { type: 'string' },
    'baseline-label': { type: 'string', default: 'baseline' },
    out: { type: 'string', default: join(repository, 'bench/results/startup') },
  },
});
const runs = Number(values.runs);
const idleSeconds = Number(values['idle-seconds']);

function freePort(): Promise<number> {
  return new Promise((resolvePort, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => resolvePort(typeof address === 'object' && address !== null ? address.port : 0));
    });
  });
}

/** Resident memory of a process and all its descendants, in KiB. */
function treeRss(pid: number): number {
  let kib = 0;
  const visit = (id: number): void => {
    let status: string;
    try {
      status = readFileSync(`/proc/${id}/status`, 'utf8');
    } catch {
      return; // exited between listing and reading
    }
    kib += Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? 0);
    let tasks: string[] = [];
    try {
      tasks = readdirSync(`/proc/${id}/task`);
    } catch {
      return;
    }
    for (const task of tasks) {
      let children = '';
      try {
        children = readFileSync(`/proc/${id}/task/${task}/children`, 'utf8');
      } catch {
        continue;
      }
      for (const child of children.split(' ').filter((part) => part !== '')) visit(Number(child));
    }
  };
  visit(pid);
  return kib;
}

async function answers(url: string): Promise<boolean> {
  try {
    const response = await fetch(url, { signal: AbortSignal.timeout(1_000) });
    await response.arrayBuffer();
    return response.ok;
  } catch {
    return false;
  }
}

/** SIGTERM to the child's whole process group (`npm start` runs the server as a grandchild). */
function stop(child: ChildProcess): Promise<void> {
  return new Promise((done) => {
    if (child.exitCode !== null || child.pid === undefined) return done();
    child.once('exit', () => done());
    process.kill(-child.pid, 'SIGTERM');
  });
}

interface Tree {
  label: string;
  directory: string;
}

async function measure(tree: Tree, launcher: Launcher, store: RunFigures['store'], dataDir: string): Promise<RunFigures> {
  const port = await freePort();
  const env: NodeJS.ProcessEnv = { ...process.env, STRATA_DATA_DIR: dataDir, STRATA_PORT: String(port), STRATA_HOST: '127.0.0.1' };
  delete env.DATABASE_URL;
  if (launcher.endsWith('cold')) env.TSX_DISABLE_CACHE = '1';
  const started = performance.now();
  const child =
    launcher === 'npm start'
      ? spawn('npm', ['start', '--silent', '--', '--quiet'], { cwd: tree.directory, env, stdio: 'ignore', detached: true })
      : spawn(process.execPath, [join(tree.directory, 'bin/strata.js'), 'serve', '--quiet'], {
          cwd: tree.directory,
          env,
          stdio: 'ignore',
          detached: true,
        });
  const pid = child.pid;
  if (pid === undefined) throw new Error(`could not start ${launcher}`);
  let peak = 0;
  const sampler = setInterval(() => {
    peak = Math.max(peak, treeRss(pid));
  }, 25);
  const base = `http://127.0.0.1:${port}`;
  let healthzMs = Number.NaN;
  let readyzMs = Number.NaN;
  try {
    while (Number.isNaN(readyzMs)) {
      if (child.exitCode !== null) throw new Error(`${launcher} exited with ${child.exitCode} before it answered`);
      if (Number.isNaN(healthzMs) && (await answers(`${base}/healthz`))) healthzMs = performance.now() - started;
      if (!Number.isNaN(healthzMs) && (await answers(`${base}/readyz`))) readyzMs = performance.now() - started;
      if (performance.now() - started > 120_000) throw new Error(`${launcher} did not answer within 120 s`);
      await new Promise((wait) => setTimeout(wait, 10));
    }
    await new Promise((wait) => setTimeout(wait, idleSeconds * 1_000));
    const idle = treeRss(pid);
    return {
      tree: tree.label,
      store,
      launcher,
      healthzMs,
      readyzMs,
      peakRssMiB: Math.max(peak, idle) / 1024,
      idleRssMiB: idle / 1024,
    };
  } finally {
    clearInterval(sampler);
    await stop(child);
  }
}

const median = (values: readonly number[]): number =>
  percentile(
    [...values].sort((a, b) => a - b),
    0.5,
  );

const trees: Tree[] = [{ label: values.label, directory: repository }];
if (values.baseline !== undefined) trees.push({ label: values['baseline-label'], directory: resolve(values.baseline) });

async function onFreshDirectory(work: (dataDir: string) => Promise<void>): Promise<void> {
  const dataDir = mkdtempSync(join(tmpdir(), 'strata-startup-'));
  try {
    await work(dataDir);
  } finally {
    rmSync(dataDir, { recursive: true, force: true });
  }
}

const figures: RunFigures[] = [];
for (let run = 0; run < runs; run += 1) {
  const order = run % 2 === 0 ? trees : [...trees].reverse();
  for (const tree of order) {
    await onFreshDirectory(async (dataDir) => {
      figures.push(await measure(tree, 'node bin/strata.js serve', 'fresh', dataDir));
      figures.push(await measure(tree, 'node bin/strata.js serve', 'existing', dataDir));
    });
  }
  process.stdout.write('.');
}
for (const tree of trees) {
  for (const launcher of ['npm start', 'node bin/strata.js serve, cold'] as const) {
    await onFreshDirectory(async (dataDir) => {
      figures.push(await measure(tree, launcher, 'fresh', dataDir));
    });
  }
}
process.stdout.write('\n');

const rows: string[] = [];
const summary: Record<string, Record<string, number>> = {};
for (const launcher of ['node bin/strata.js serve', 'npm start', 'node bin/strata.js serve, cold'] as const) {
  for (const store of ['fresh', 'existing'] as const) {
    for (const tree of trees) {
      const group = figures.filter((row) => row.tree === tree.label && row.launcher === launcher && row.store === store);
      if (group.length === 0) continue;
      const cell = (pick: (row: RunFigures) => number, digits: number): string => {
        const picked = group.map(pick);
        const [low, high] = [Math.min(...picked), Math.max(...picked)];
        return group.length === 1
          ? median(picked).toFixed(digits)
          : `${median(picked).toFixed(digits)} (${low.toFixed(digits)}–${high.toFixed(digits)})`;
      };
      summary[`${tree.label} / ${launcher} / ${store}`] = {
        healthzMs: median(group.map((row) => row.healthzMs)),
        readyzMs: median(group.map((row) => row.readyzMs)),
        peakRssMiB: median(group.map((row) => row.peakRssMiB)),
        idleRssMiB: median(group.map((row) => row.idleRssMiB)),
      };
      const command = launcher.replace(/^[^,]+/, (text) => `\`${text}\``);
      rows.push(
        `| ${tree.label} | ${command} | ${store} | ${group.length} | ${cell((row) => row.healthzMs / 1000, 2)} | ${cell((row) => row.readyzMs / 1000, 2)} | ${cell((row) => row.peakRssMiB, 0)} | ${cell((row) => row.idleRssMiB, 0)} |`,
      );
    }
  }
}
const machine = await describeMachine();
const report = [
  '# Start-up and footprint of `strata serve` (embedded store)',
  '',
  `Generated ${new Date().toISOString()} by \`node --import tsx bench/startup/startup.ts ${process.argv
    .slice(2)
    .map((part) => (/\s/.test(part) ? `'${part}'` : part))
    .join(' ')}\`.`,
  '',
  `- Machine: ${machine.cpuModel}, ${machine.cores} cores, ${machine.memoryGiB} GiB, Node ${machine.node}.`,
  ...trees.map((tree) => `- ${tree.label}: \`${tree.directory}\``),
  '- Each run: a fresh temporary data directory, then the same directory again (existing store). Times are from spawning the process to the first 200 from `GET /healthz` and `GET /readyz`, polled every 10 ms. Memory is the resident set of the process tree, sampled every 25 ms (peak) and read once after the idle period (idle). Medians, with the range over runs in brackets.',
  '',
  `| tree | launcher | store | runs | /healthz (s) | /readyz (s) | peak RSS (MiB) | idle RSS after ${idleSeconds} s (MiB) |`,
  '|---|---|---|---:|---:|---:|---:|---:|',
  ...rows,
  '',
].join('\n');
writeFileSync(`${values.out}.md`, report);
writeFileSync(`${values.out}.json`, `${JSON.stringify({ runs, idleSeconds, trees, figures, summary }, null, 2)}\n`);
console.log(report);

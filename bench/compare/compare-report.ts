import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { loadavg } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { describeMachine, type MachineInfo } from '../lib/machine.ts';
import { renderCharts } from './compare-charts.ts';
import { renderCompareMarkdown } from './compare-markdown.ts';
import type { CompareOptions } from './compare-options.ts';
import type { SystemResult } from './compare-run.ts';

/** The machine and servers a run's figures come from. */
export interface CompareEnvironment {
  machine: MachineInfo;
  /** 1, 5 and 15 minute load averages when the run started. */
  loadAverage: number[];
  /** The same when the measurements ended (other work on the machine shows here). */
  loadAverageAtEnd?: number[];
  postgres: string;
  pgvector: string;
  sharedBuffers: string;
  /** Installed versions of the alternatives (bench/compare/alternatives/node_modules). */
  alternatives: Record<string, string>;
}

const alternativePackages = [
  '@langchain/langgraph',
  '@langchain/langgraph-checkpoint-postgres',
  '@langchain/core',
  'mem0ai',
  'better-sqlite3',
];

async function alternativeVersions(): Promise<Record<string, string>> {
  const versions: Record<string, string> = {};
  for (const name of alternativePackages) {
    const path = new URL(`./alternatives/node_modules/${name}/package.json`, import.meta.url);
    const manifest = await readFile(path, 'utf8').catch(() => null);
    versions[name] = manifest === null ? 'not installed' : String((JSON.parse(manifest) as { version?: unknown }).version);
  }
  return versions;
}

/** Everything compare.json holds and compare.md shows. */
export interface CompareReport {
  generatedAt: string;
  command: string;
  options: CompareOptions;
  workload: { tenants: number; memories: number; largeTenant: number; smallTenantIds: string[] };
  environment: CompareEnvironment;
  results: SystemResult[];
  runSeconds: number;
  /** Chart files written, or why they could not be. */
  charts?: string[] | { failed: string };
}

/** Machine, load average, PostgreSQL and pgvector versions. */
export async function describeEnvironment(adminUrl: string): Promise<CompareEnvironment> {
  const machine = await describeMachine();
  const client = new pg.Client({ connectionString: adminUrl });
  await client.connect();
  try {
    const { rows } = await client.query<{ version: string; pgvector: string | null; shared_buffers: string }>(
      `SELECT version() AS version, current_setting('shared_buffers') AS shared_buffers,
        (SELECT default_version FROM pg_available_extensions WHERE name = 'vector') AS pgvector`,
    );
    const row = rows[0];
    return {
      machine,
      loadAverage: loadavg().map((value) => Math.round(value * 100) / 100),
      postgres: (row?.version ?? 'unknown').replace(/ on .*/, ''),
      pgvector: row?.pgvector ?? 'not installed',
      sharedBuffers: row?.shared_buffers ?? 'unknown',
      alternatives: await alternativeVersions(),
    };
  } finally {
    await client.end();
  }
}

/** Writes compare.json, compare.md and the PNG charts into the output folder; returns the paths. */
export async function writeCompareReport(report: CompareReport): Promise<string[]> {
  report.environment.loadAverageAtEnd = loadavg().map((value) => Math.round(value * 100) / 100);
  const directory = report.options.outputDirectory;
  await mkdir(directory, { recursive: true });
  try {
    report.charts = await renderCharts(report, directory);
  } catch (error) {
    report.charts = { failed: error instanceof Error ? (error.message.split('\n')[0] ?? error.name) : String(error) };
  }
  const jsonPath = join(directory, 'compare.json');
  const markdownPath = join(directory, 'compare.md');
  await writeFile(jsonPath, `${JSON.stringify(report, null, 2)}\n`);
  await writeFile(markdownPath, renderCompareMarkdown(report));
  return [markdownPath, jsonPath, ...(Array.isArray(report.charts) ? report.charts : [])];
}

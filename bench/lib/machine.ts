import { readFile } from 'node:fs/promises';
import { cpus, totalmem } from 'node:os';
import type { BenchBackend } from './backend.ts';

/** The hardware and runtime a report's figures come from. */
export interface MachineInfo {
  cpuModel: string;
  cores: number;
  memoryGiB: number;
  node: string;
  platform: string;
}

/** Database version and the settings that move the figures most. */
export interface DatabaseInfo {
  version: string;
  pgvector: string;
  settings: Record<string, string>;
}

/** CPU model (from /proc/cpuinfo where there is one), cores, RAM and Node version. */
export async function describeMachine(): Promise<MachineInfo> {
  const cpuInfo = await readFile('/proc/cpuinfo', 'utf8').catch(() => '');
  const model = /^model name\s*:\s*(.+)$/m.exec(cpuInfo)?.[1] ?? cpus()[0]?.model ?? 'unknown';
  return {
    cpuModel: model.trim(),
    cores: cpus().length,
    memoryGiB: Math.round((totalmem() / 2 ** 30) * 10) / 10,
    node: process.version,
    platform: `${process.platform} ${process.arch}`,
  };
}

const settingNames = ['shared_buffers', 'work_mem', 'maintenance_work_mem', 'max_parallel_maintenance_workers'];

/** Reads the version, pgvector version and key settings as the owner. */
export async function describeDatabase(backend: BenchBackend): Promise<DatabaseInfo> {
  const columns = settingNames.map((name) => `current_setting('${name}') AS ${name}`).join(', ');
  const [rows] = await backend.owner([
    `SELECT version() AS version, (SELECT extversion FROM pg_extension WHERE extname = 'vector') AS pgvector, ${columns}`,
  ]);
  const row = rows?.[0] ?? {};
  const settings = Object.fromEntries(settingNames.map((name) => [name, String(row[name] ?? '')]));
  return { version: String(row.version ?? '').replace(/ on .*/, ''), pgvector: String(row.pgvector ?? ''), settings };
}

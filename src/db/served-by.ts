import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { StrataError } from '../core/errors.ts';
import { processIsAlive, removeOnExit } from './process-files.ts';

/**
 * What `strata serve` leaves in the data directory it holds while it runs: its process, where
 * it listens, and an operator key minted for this run so the CLI on the same machine can send
 * its commands there instead of failing on the lock. The file is 0600, in a directory whose
 * database files already give its reader everything the key could; the key is revoked and the
 * file removed when the server stops, and a crashed server's key is revoked at the next start.
 */
export interface ServedBy {
  pid: number;
  url: string;
  apiKey: string;
}

/** The name of the key minted for each run, so the next start can revoke a crashed run's one. */
export const servedByKeyName = 'strata serve: local CLI';

const fileName = 'strata-serve.json';

/** Writes the file (0600) for this process; returns the function that removes it. */
export function writeServedBy(directory: string, served: Omit<ServedBy, 'pid'>): () => void {
  const path = join(directory, fileName);
  rmSync(path, { force: true });
  writeFileSync(path, `${JSON.stringify({ pid: process.pid, ...served })}\n`, { mode: 0o600, flag: 'wx' });
  return removeOnExit(path);
}

/** The running server holding `directory`, if its file is there, well formed and its process alive. */
export function readServedBy(directory: string): ServedBy | undefined {
  let parsed: unknown;
  try {
    parsed = JSON.parse(readFileSync(join(directory, fileName), 'utf8'));
  } catch {
    return undefined;
  }
  if (typeof parsed !== 'object' || parsed === null) return undefined;
  const { pid, url, apiKey } = parsed as Record<string, unknown>;
  if (!Number.isInteger(pid) || typeof url !== 'string' || !/^https?:\/\//.test(url) || typeof apiKey !== 'string') return undefined;
  if (pid === process.pid || !processIsAlive(pid as number)) return undefined;
  return { pid: pid as number, url, apiKey };
}

/** `store_locked` for a directory this server holds: which server, where, and `wayOut`. */
export function heldByServerError(directory: string, served: ServedBy, wayOut: string): StrataError {
  return new StrataError(
    'store_locked',
    `data directory ${directory} is in use by strata serve (process ${served.pid}) at ${served.url}: ${wayOut}`,
    {
      details: { directory, pid: served.pid, url: served.url },
    },
  );
}

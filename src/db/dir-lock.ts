import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { StrataError } from '../core/errors.ts';
import { processIsAlive, removeOnExit } from './process-files.ts';
import { heldByServerError, readServedBy } from './served-by.ts';

/** A held lock; `release` is idempotent. */
export interface DirectoryLock {
  release(): void;
}

/**
 * Takes an exclusive lock on a PGlite data directory: PGlite has no lock of its own, and two
 * processes writing one directory corrupt it. A lock left by a dead process is taken over.
 */
export function lockDirectory(directory: string): DirectoryLock {
  mkdirSync(directory, { recursive: true });
  const path = join(directory, 'strata.lock');
  for (let attempt = 0; attempt < 2; attempt += 1) {
    try {
      writeFileSync(path, `${process.pid}\n`, { flag: 'wx' });
      return { release: removeOnExit(path) };
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
      const holder = Number.parseInt(readFileSync(path, 'utf8'), 10);
      if (Number.isInteger(holder) && processIsAlive(holder)) throw lockedError(directory, holder);
      rmSync(path, { force: true });
    }
  }
  throw new StrataError('store_locked', `could not lock data directory ${directory}`, { details: { directory } });
}

/**
 * The error for a held directory. When the holder is `strata serve`, it names the ways out: its
 * URL for the client SDK (the CLI goes there by itself), or stopping it.
 */
function lockedError(directory: string, holder: number): StrataError {
  const served = readServedBy(directory);
  if (served?.pid === holder) {
    return heldByServerError(
      directory,
      served,
      'talk to that server (the strata CLI does so by itself; from code, createStrataClient with its URL and an API key), ' +
        'or stop it, or open another data directory',
    );
  }
  return new StrataError(
    'store_locked',
    `data directory ${directory} is in use by process ${holder}: stop it, or open another data directory`,
    { details: { directory, pid: holder, ...(served === undefined ? {} : { url: served.url }) } },
  );
}

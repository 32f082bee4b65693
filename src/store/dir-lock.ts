import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { StrataError } from '../core/errors.ts';

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
      let released = false;
      const release = () => {
        if (released) return;
        released = true;
        process.off('exit', release);
        rmSync(path, { force: true });
      };
      process.on('exit', release);
      return { release };
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
      const holder = Number.parseInt(readFileSync(path, 'utf8'), 10);
      if (Number.isInteger(holder) && isAlive(holder)) {
        throw new StrataError('store_locked', `data directory ${directory} is in use by process ${holder}`, {
          details: { directory, pid: holder },
        });
      }
      rmSync(path, { force: true });
    }
  }
  throw new StrataError('store_locked', `could not lock data directory ${directory}`, { details: { directory } });
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

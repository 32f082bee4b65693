import { rmSync } from 'node:fs';

/**
 * Files a process leaves in a data directory while it holds it (the lock, `strata-serve.json`):
 * returns the idempotent function that removes `path`, also run when the process exits.
 */
export function removeOnExit(path: string): () => void {
  let removed = false;
  const remove = () => {
    if (removed) return;
    removed = true;
    process.off('exit', remove);
    rmSync(path, { force: true });
  };
  process.on('exit', remove);
  return remove;
}

/** Whether a process with this id runs (one we may not signal still runs). */
export function processIsAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * Runs `work` over `items` with at most `concurrency` calls in flight, in order of start.
 * The first failure stops new starts and is rethrown once running calls settle.
 */
export async function runConcurrently<Item>(
  items: readonly Item[],
  concurrency: number,
  work: (item: Item, index: number) => Promise<void>,
): Promise<void> {
  let next = 0;
  let failure: unknown = null;
  const worker = async () => {
    while (failure === null && next < items.length) {
      const index = next;
      next += 1;
      try {
        await work(items[index] as Item, index);
      } catch (error) {
        failure ??= error;
      }
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, concurrency) }, worker));
  if (failure !== null) throw failure;
}

/** Logs progress to stderr at most every `intervalMs`, so long loads show they are alive. */
export function createProgress(label: string, total: number, intervalMs = 10_000): (done: number) => void {
  const start = performance.now();
  let lastLog = start;
  return (done) => {
    const now = performance.now();
    if (now - lastLog < intervalMs && done < total) return;
    lastLog = now;
    const seconds = (now - start) / 1000;
    const rate = done / Math.max(seconds, 1e-9);
    process.stderr.write(
      `  ${label}: ${done.toLocaleString('en-US')}/${total.toLocaleString('en-US')} in ${seconds.toFixed(0)} s (${rate.toFixed(0)}/s)\n`,
    );
  };
}

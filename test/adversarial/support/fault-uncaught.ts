/**
 * Runs `work` with uncaught exceptions recorded instead of handled by the test runner, so a test
 * can observe a library error the process would otherwise die of, and report it. The runner's
 * own listeners are put back afterwards.
 */
export async function recordingUncaught<T>(work: () => Promise<T>): Promise<{ result: T; uncaught: Error[] }> {
  const runnerListeners = process.listeners('uncaughtException');
  const uncaught: Error[] = [];
  const record = (error: Error) => uncaught.push(error);
  process.removeAllListeners('uncaughtException');
  process.on('uncaughtException', record);
  try {
    return { result: await work(), uncaught };
  } finally {
    process.off('uncaughtException', record);
    for (const listener of runnerListeners) process.on('uncaughtException', listener);
  }
}

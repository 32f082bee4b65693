import { access } from 'node:fs/promises';

/** The LoCoMo store figures the scale report repeats (the full report is locomo-store.md). */
export interface LocomoSummary {
  backend: string;
  turns: number;
  questions: number;
  ingestSeconds: number;
  modes: Array<{ mode: string; recallAt10: number; medianMs: number; p95Ms: number }>;
}

/** The parts of `bench/locomo/locomo-store.ts`'s result this file reads; it is written by someone else and may grow. */
interface LocomoStoreResult {
  backend: string;
  turns: number;
  questions: number;
  ingestSeconds: number;
  recall: Record<string, { recall: Record<number, number> }>;
  latency: Record<string, { medianMs: number; p95Ms: number }>;
}

type LocomoStoreBench = (options: { databaseUrl?: string; log?: (line: string) => void }) => Promise<LocomoStoreResult>;

/**
 * Runs the LoCoMo store benchmark on each back end if `bench/locomo/locomo-store.ts` exports
 * `runLocomoStoreBench`; otherwise says why it was skipped. Imported dynamically so the
 * scale bench works while that file does not exist yet.
 */
export async function runLocomoIfPresent(
  backends: ReadonlyArray<'postgres' | 'pglite'>,
  adminUrl: string,
): Promise<LocomoSummary[] | { skipped: string }> {
  const path = new URL('./locomo-store.ts', import.meta.url);
  const present = await access(path).then(
    () => true,
    () => false,
  );
  if (!present) return { skipped: 'bench/locomo/locomo-store.ts does not exist yet' };
  const module = (await import(path.href)) as { runLocomoStoreBench?: LocomoStoreBench };
  if (typeof module.runLocomoStoreBench !== 'function')
    return { skipped: 'bench/locomo/locomo-store.ts does not export runLocomoStoreBench' };
  const summaries: LocomoSummary[] = [];
  for (const backend of backends) {
    const log = (line: string) => process.stderr.write(`  locomo: ${line}\n`);
    const result = await module.runLocomoStoreBench(backend === 'postgres' ? { databaseUrl: adminUrl, log } : { log });
    summaries.push({
      backend: result.backend,
      turns: result.turns,
      questions: result.questions,
      ingestSeconds: result.ingestSeconds,
      modes: Object.keys(result.latency).map((mode) => ({
        mode,
        recallAt10: result.recall[mode]?.recall[10] ?? Number.NaN,
        medianMs: result.latency[mode]?.medianMs ?? Number.NaN,
        p95Ms: result.latency[mode]?.p95Ms ?? Number.NaN,
      })),
    });
  }
  return summaries;
}

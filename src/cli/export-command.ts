import { once } from 'node:events';
import type { WriteStream } from 'node:fs';
import { open as openFile } from 'node:fs/promises';
import type { ExportRecord, ExportRecordType } from '../features/export/index.ts';
import { splitLines, toJsonLine } from '../features/export/index.ts';
import { integerOption, stringOption, UsageError } from './args.ts';
import type { CommandDefinition } from './command.ts';
import type { CliIo, TextSink } from './io.ts';
import { formatRecord } from './output.ts';

/** Progress goes to stderr every this many records, and once at the end. */
const progressEvery = 1_000;

const batchSizeOption = { type: 'string', valueName: '<n>', description: 'rows per chunk or write batch (default 500)' } as const;

/** `strata export` and `strata import`: a tenant as JSON lines, out and back in. */
export const exportCommands: CommandDefinition[] = [
  {
    path: ['export'],
    arguments: [{ name: 'tenant', required: true }],
    summary: 'write everything a tenant owns as JSON lines (stdout, or --out); progress on stderr',
    options: {
      out: { type: 'string', valueName: '<file>', description: 'write the export to this file instead of stdout' },
      'batch-size': batchSizeOption,
    },
    async run({ arguments: [tenantId = ''], options, io, open }) {
      const out = stringOption(options, 'out');
      if (out === undefined && options.json === true) throw new UsageError('export: --json needs --out (stdout carries the export itself)');
      const batchSize = integerOption(options, 'batch-size');
      const records = await (await open()).exports.export(tenantId, batchSize === undefined ? {} : { batchSize });
      // Opened before the first record, so a bad path fails here rather than as a stream error later.
      const file = out === undefined ? undefined : (await openFile(out, 'w')).createWriteStream();
      const counts: Partial<Record<ExportRecordType, number>> = {};
      try {
        const written = await writeRecords(records, file ?? io.stdout, counts, (total) => report(io, 'exported', total, counts));
        report(io, 'exported', written, counts);
      } finally {
        if (file !== undefined) await closeFile(file);
      }
      const summary = { tenantId, out: out ?? null, counts };
      return { result: summary, text: out === undefined ? '' : formatRecord([['tenant', tenantId], ['file', out], ...countRows(counts)]) };
    },
  },
  {
    path: ['import'],
    arguments: [{ name: 'tenant', required: true }],
    summary: 'create a new tenant from an export file (--in, or - for stdin); progress on stderr',
    options: {
      in: { type: 'string', valueName: '<file>', description: 'the export file to read (- reads stdin)' },
      client: { type: 'string', valueName: '<id>', description: "the new tenant's client (default: the exported tenant's)" },
      'batch-size': batchSizeOption,
    },
    async run({ arguments: [tenantId = ''], options, io, open }) {
      const input = stringOption(options, 'in');
      if (input === undefined) throw new UsageError('import: --in <file> is required (- reads stdin)');
      const clientId = stringOption(options, 'client');
      const batchSize = integerOption(options, 'batch-size');
      const strata = await open();
      const chunks = input === '-' ? io.stdin : (await openFile(input, 'r')).createReadStream();
      const lines = countLines(splitLines(chunks), (read) => io.stderr.write(`read ${read} lines\n`));
      const report = await strata.exports.import(tenantId, lines, {
        ...(clientId === undefined ? {} : { clientId }),
        ...(batchSize === undefined ? {} : { batchSize }),
      });
      const imported = Object.values(report.imported).reduce((total, value) => total + (value ?? 0), 0);
      io.stderr.write(`imported ${imported} rows into ${report.tenantId}\n`);
      return {
        result: report,
        text: formatRecord([['tenant', report.tenantId], ['from', report.sourceTenantId], ...countRows(report.imported)]),
      };
    },
  },
];

async function writeRecords(
  records: AsyncIterable<ExportRecord>,
  sink: TextSink | WriteStream,
  counts: Partial<Record<ExportRecordType, number>>,
  progress: (total: number) => void,
): Promise<number> {
  let total = 0;
  for await (const record of records) {
    // A slow reader (a pipe, a disk) holds the export back instead of filling memory.
    if (sink.write(toJsonLine(record)) === false && 'once' in sink) await once(sink as WriteStream, 'drain');
    if (record.type === 'strata-export' || record.type === 'strata-export-end') continue;
    counts[record.type] = (counts[record.type] ?? 0) + 1;
    total += 1;
    if (total % progressEvery === 0) progress(total);
  }
  return total;
}

async function* countLines(lines: AsyncIterable<string>, progress: (read: number) => void): AsyncGenerator<string> {
  let read = 0;
  for await (const line of lines) {
    read += 1;
    if (read % progressEvery === 0) progress(read);
    yield line;
  }
  progress(read);
}

function report(io: CliIo, verb: string, total: number, counts: Partial<Record<string, number>>): void {
  const parts = Object.entries(counts).map(([type, count]) => `${type} ${count}`);
  io.stderr.write(`${verb} ${total} records (${parts.join(', ')})\n`);
}

function countRows(counts: Partial<Record<string, number>>): Array<[string, string]> {
  return Object.entries(counts).map(([type, count]) => [type, String(count ?? 0)]);
}

async function closeFile(file: WriteStream): Promise<void> {
  await new Promise<void>((resolve, reject) => file.end((error?: Error | null) => (error ? reject(error) : resolve())));
}

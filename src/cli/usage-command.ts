import type { UsageReport } from '../index.ts';
import { compact, stringOption } from './args.ts';
import type { CommandDefinition } from './command.ts';
import { formatTable } from './output.ts';

/** `strata usage`: a tenant's metered usage (calls, embedding and LLM input/output tokens) by day and operation, with a bar chart of calls. */
export const usageCommands: CommandDefinition[] = [
  {
    path: ['usage'],
    arguments: [],
    summary: "a tenant's usage and estimated cost by day and operation, with a chart of calls per day",
    options: {
      tenant: { type: 'string', valueName: '<id>', description: 'the tenant to report on (operator, client admin)' },
      from: { type: 'string', valueName: '<YYYY-MM-DD>', description: 'first day (default 29 days before --to)' },
      to: { type: 'string', valueName: '<YYYY-MM-DD>', description: 'last day (default today, UTC)' },
    },
    async run({ options, open }) {
      const query = compact({
        tenantId: stringOption(options, 'tenant'),
        from: stringOption(options, 'from'),
        to: stringOption(options, 'to'),
      });
      const report = await (await open()).usage.report(query);
      return { result: report, text: formatUsage(report) };
    },
  },
];

const barWidth = 24;
const eighths = ['', '▏', '▎', '▍', '▌', '▋', '▊', '▉'];
const sparks = ['▁', '▂', '▃', '▄', '▅', '▆', '▇', '█'];

/** A horizontal bar of `value` out of `maximum`, `barWidth` cells at most, in eighth-cell steps. */
export function bar(value: number, maximum: number): string {
  if (maximum <= 0 || value <= 0) return '';
  const units = Math.max(1, Math.round((value / maximum) * barWidth * 8));
  return '█'.repeat(Math.floor(units / 8)) + (eighths[units % 8] ?? '');
}

/** One character per value, ▁ (lowest) to █ (the maximum); a space for zero. */
export function sparkline(values: readonly number[]): string {
  const maximum = Math.max(0, ...values);
  return values
    .map((value) => (value <= 0 || maximum === 0 ? ' ' : (sparks[Math.min(7, Math.floor((value / maximum) * 7.999))] ?? '')))
    .join('');
}

/** 1234567 → `1,234,567`. */
const count = (value: number) => value.toLocaleString('en-US');
const money = (value: number) => `$${value.toFixed(value !== 0 && value < 0.01 ? 6 : 2)}`;

/** Bytes for people: `1.2 MB`. */
export function formatBytes(bytes: number | null): string {
  if (bytes === null) return '-';
  const units = ['B', 'KB', 'MB', 'GB', 'TB'];
  let value = bytes;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit += 1;
  }
  return unit === 0 ? `${value} B` : `${value.toFixed(1)} ${units[unit]}`;
}

function formatUsage(report: UsageReport): string {
  const peak = Math.max(0, ...report.byDay.map((day) => day.calls));
  const days = formatTable(
    ['DAY', 'CALLS', 'ERRORS', 'EMB TOKENS', 'LLM IN', 'LLM OUT', 'MEMORIES', 'STORAGE', 'COST', 'CALLS PER DAY'],
    report.byDay.map((day) => [
      day.day,
      count(day.calls),
      count(day.errors),
      count(day.embeddingTokens),
      count(day.llmInputTokens),
      count(day.llmOutputTokens),
      day.memories === null ? '-' : count(day.memories),
      formatBytes(day.storageBytes),
      money(day.estimatedCost),
      bar(day.calls, peak),
    ]),
  );
  const operations = formatTable(
    ['OPERATION', 'CALLS', 'ERRORS', 'EMB TOKENS', 'LLM IN', 'LLM OUT', 'COST'],
    report.byOperation.map((row) => [
      row.operation,
      count(row.calls),
      count(row.errors),
      count(row.embeddingTokens),
      count(row.llmInputTokens),
      count(row.llmOutputTokens),
      money(row.estimatedCost),
    ]),
  );
  const { totals, current } = report;
  const lines = [
    `usage of tenant ${report.tenantId}, ${report.from} to ${report.to} (${report.currency})`,
    `calls per day  ${sparkline(report.byDay.map((day) => day.calls))}  (peak ${count(peak)})`,
    '',
    days,
    '',
    `totals: ${count(totals.calls)} calls, ${count(totals.errors)} errors, ${count(totals.embeddingTokens)} embedding tokens, ` +
      `${count(totals.llmInputTokens)} LLM input and ${count(totals.llmOutputTokens)} LLM output tokens, estimated cost ${money(totals.estimatedCost)}`,
    `now: ${count(current.memories)} memories, ${formatBytes(current.storageBytes)}, ${count(current.users)} users`,
  ];
  if (totals.unpricedModels.length > 0) lines.push(`not priced (no entry in the price table): ${totals.unpricedModels.join(', ')}`);
  lines.push('', 'by operation', report.byOperation.length === 0 ? '(no calls)' : operations);
  return lines.join('\n');
}

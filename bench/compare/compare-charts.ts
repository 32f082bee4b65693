import { join } from 'node:path';
import { launchChromium } from '../../test/support/chromium.ts';
import type { CompareReport } from './compare-report.ts';
import { type BarChart, renderBarChart } from './compare-svg.ts';

/** The two charts: search p50 by tenant size per system, and ingest throughput per system. */
export function buildCharts(report: CompareReport): Array<{ file: string; chart: BarChart }> {
  const measured = report.results.filter((result) => result.sizes.length > 0 || result.ingest !== undefined);
  const series = measured.map((result) => result.name);
  const labels = [...new Set(measured.flatMap((result) => result.sizes.map((size) => size.label)))];
  const latency: BarChart = {
    title: 'Search p50 latency by tenant size (lower is better)',
    yLabel: 'milliseconds',
    series,
    groups: labels.map((label) => {
      const sizes = measured.flatMap((result) => result.sizes.filter((size) => size.label === label).map((size) => size.tenantSizes));
      return {
        label: `${label} tenants (${[...new Set(sizes)].join(' / ')} memories)`,
        values: measured.map((result) => ({
          series: result.name,
          value: result.sizes.find((size) => size.label === label)?.latency.p50 ?? null,
        })),
      };
    }),
  };
  const throughput: BarChart = {
    title: 'Ingest throughput (higher is better)',
    yLabel: 'memories per second',
    series,
    groups: [
      {
        label: 'memory writes, one batch (≤ 500) at a time',
        values: measured.map((result) => ({ series: result.name, value: result.ingest?.memoriesPerSecond ?? null })),
      },
    ],
  };
  return [
    { file: 'compare-latency.png', chart: latency },
    { file: 'compare-throughput.png', chart: throughput },
  ];
}

/** Rasterises the charts with the system's Chromium (no browser download); returns the PNG paths. */
export async function renderCharts(report: CompareReport, directory: string): Promise<string[]> {
  const browser = await launchChromium();
  try {
    const page = await browser.newPage({ viewport: { width: 900, height: 480 } });
    const paths: string[] = [];
    for (const { file, chart } of buildCharts(report)) {
      await page.setContent(`<html><body style="margin:0">${renderBarChart(chart)}</body></html>`);
      const path = join(directory, file);
      await page.screenshot({ path, clip: { x: 0, y: 0, width: 900, height: 480 } });
      paths.push(path);
    }
    return paths;
  } finally {
    await browser.close();
  }
}

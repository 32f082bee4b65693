/** One bar group of a chart: a category (e.g. a tenant size) and one value per series. */
export interface BarGroup {
  label: string;
  values: Array<{ series: string; value: number | null }>;
}

/** A grouped bar chart on a log scale, as standalone SVG. */
export interface BarChart {
  title: string;
  yLabel: string;
  groups: BarGroup[];
  series: string[];
}

const colours = ['#1f6feb', '#8250df', '#d29922', '#2da44e', '#cf222e', '#57606a'];
const width = 900;
const height = 480;
const margin = { top: 60, right: 30, bottom: 90, left: 80 };

const escapeXml = (text: string) => text.replaceAll('&', '&amp;').replaceAll('<', '&lt;').replaceAll('>', '&gt;');

function label(value: number): string {
  if (value >= 1000) return `${Math.round(value).toLocaleString('en-US')}`;
  if (value >= 10) return value.toFixed(0);
  if (value >= 1) return value.toFixed(1);
  return value.toPrecision(2);
}

/** Renders `chart` with powers of ten as grid lines and each bar's value above it. */
export function renderBarChart(chart: BarChart): string {
  const values = chart.groups.flatMap((group) => group.values.map((entry) => entry.value ?? 0)).filter((value) => value > 0);
  const low = 10 ** Math.floor(Math.log10(Math.min(...values, 1)));
  const high = 10 ** Math.ceil(Math.log10(Math.max(...values, 10)));
  const plotWidth = width - margin.left - margin.right;
  const plotHeight = height - margin.top - margin.bottom;
  const y = (value: number) => margin.top + plotHeight * (1 - (Math.log10(value) - Math.log10(low)) / (Math.log10(high) - Math.log10(low)));
  const parts: string[] = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" font-family="Helvetica, Arial, sans-serif" font-size="13">`,
    `<rect width="${width}" height="${height}" fill="white"/>`,
    `<text x="${width / 2}" y="28" text-anchor="middle" font-size="17" font-weight="bold">${escapeXml(chart.title)}</text>`,
    `<text transform="translate(20 ${margin.top + plotHeight / 2}) rotate(-90)" text-anchor="middle">${escapeXml(chart.yLabel)} (log scale)</text>`,
  ];
  for (let tick = low; tick <= high * 1.0001; tick *= 10) {
    parts.push(`<line x1="${margin.left}" x2="${width - margin.right}" y1="${y(tick)}" y2="${y(tick)}" stroke="#d0d7de"/>`);
    parts.push(`<text x="${margin.left - 8}" y="${y(tick) + 4}" text-anchor="end">${label(tick)}</text>`);
  }
  const groupWidth = plotWidth / Math.max(1, chart.groups.length);
  const barWidth = (groupWidth * 0.8) / Math.max(1, chart.series.length);
  chart.groups.forEach((group, groupIndex) => {
    const groupStart = margin.left + groupIndex * groupWidth + groupWidth * 0.1;
    chart.series.forEach((series, seriesIndex) => {
      const value = group.values.find((entry) => entry.series === series)?.value ?? null;
      const x = groupStart + seriesIndex * barWidth;
      if (value === null || value <= 0) {
        parts.push(`<text x="${x + barWidth / 2}" y="${y(low) - 6}" text-anchor="middle" fill="#57606a">n/a</text>`);
        return;
      }
      const top = y(value);
      const colour = colours[seriesIndex % colours.length] ?? '#000';
      parts.push(`<rect x="${x + 2}" y="${top}" width="${barWidth - 4}" height="${y(low) - top}" fill="${colour}"/>`);
      parts.push(`<text x="${x + barWidth / 2}" y="${top - 5}" text-anchor="middle" font-size="11">${label(value)}</text>`);
    });
    parts.push(
      `<text x="${groupStart + groupWidth * 0.4}" y="${height - margin.bottom + 20}" text-anchor="middle">${escapeXml(group.label)}</text>`,
    );
  });
  chart.series.forEach((series, seriesIndex) => {
    const x = margin.left + seriesIndex * (plotWidth / chart.series.length);
    const colour = colours[seriesIndex % colours.length] ?? '#000';
    parts.push(`<rect x="${x}" y="${height - 35}" width="14" height="14" fill="${colour}"/>`);
    parts.push(`<text x="${x + 20}" y="${height - 23}">${escapeXml(series)}</text>`);
  });
  parts.push('</svg>');
  return parts.join('\n');
}

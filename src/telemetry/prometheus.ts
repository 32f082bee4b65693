/**
 * A small Prometheus registry: counters and histograms with fixed label names, rendered in the
 * text exposition format (version 0.0.4). Enough for Strata's handful of metrics without a
 * dependency; label values must come from bounded sets (never a tenant id).
 */

/** The `Content-Type` of {@link MetricsRegistry.render}'s output. */
export const prometheusContentType = 'text/plain; version=0.0.4; charset=utf-8';

/** Label values by label name. */
export type Labels = Readonly<Record<string, string>>;

/** A monotonically increasing count per label set. */
export interface Counter {
  increment(labels: Labels, by?: number): void;
}

/** Observations counted into cumulative buckets per label set. */
export interface Histogram {
  observe(labels: Labels, value: number): void;
}

/** Owns metrics and renders them. */
export interface MetricsRegistry {
  counter(definition: MetricDefinition): Counter;
  histogram(definition: MetricDefinition & { buckets: readonly number[] }): Histogram;
  /** The text exposition of every metric, in registration order. */
  render(): string;
}

/** A metric's name, help text and label names. */
export interface MetricDefinition {
  name: string;
  help: string;
  labelNames: readonly string[];
}

interface Series {
  labels: Labels;
  count: number;
  sum: number;
  buckets: number[];
}

/** Creates an empty registry. */
export function createMetricsRegistry(): MetricsRegistry {
  const renderers: Array<() => string> = [];
  return {
    counter(definition) {
      const series = new Map<string, Series>();
      renderers.push(() => renderCounter(definition, series));
      return {
        increment(labels, by = 1) {
          seriesFor(series, definition, labels, 0).count += by;
        },
      };
    },
    histogram(definition) {
      const buckets = [...definition.buckets].sort((a, b) => a - b);
      const series = new Map<string, Series>();
      renderers.push(() => renderHistogram(definition, buckets, series));
      return {
        observe(labels, value) {
          const entry = seriesFor(series, definition, labels, buckets.length);
          entry.count += 1;
          entry.sum += value;
          buckets.forEach((bound, index) => {
            if (value <= bound) entry.buckets[index] = (entry.buckets[index] ?? 0) + 1;
          });
        },
      };
    },
    render: () => renderers.map((render) => render()).join(''),
  };
}

function seriesFor(all: Map<string, Series>, definition: MetricDefinition, labels: Labels, bucketCount: number): Series {
  const ordered: Record<string, string> = {};
  for (const name of definition.labelNames) ordered[name] = labels[name] ?? '';
  const key = JSON.stringify(ordered);
  let entry = all.get(key);
  if (entry === undefined) {
    entry = { labels: ordered, count: 0, sum: 0, buckets: new Array<number>(bucketCount).fill(0) };
    all.set(key, entry);
  }
  return entry;
}

function header(definition: MetricDefinition, type: 'counter' | 'histogram'): string {
  return `# HELP ${definition.name} ${definition.help.replace(/\\/g, '\\\\').replace(/\n/g, '\\n')}\n# TYPE ${definition.name} ${type}\n`;
}

function renderCounter(definition: MetricDefinition, series: Map<string, Series>): string {
  let text = header(definition, 'counter');
  for (const entry of series.values()) text += `${definition.name}${labelText(entry.labels)} ${formatNumber(entry.count)}\n`;
  return text;
}

function renderHistogram(definition: MetricDefinition, bounds: readonly number[], series: Map<string, Series>): string {
  let text = header(definition, 'histogram');
  for (const entry of series.values()) {
    bounds.forEach((bound, index) => {
      text += `${definition.name}_bucket${labelText(entry.labels, formatNumber(bound))} ${entry.buckets[index] ?? 0}\n`;
    });
    text += `${definition.name}_bucket${labelText(entry.labels, '+Inf')} ${entry.count}\n`;
    text += `${definition.name}_sum${labelText(entry.labels)} ${formatNumber(entry.sum)}\n`;
    text += `${definition.name}_count${labelText(entry.labels)} ${entry.count}\n`;
  }
  return text;
}

function labelText(labels: Labels, le?: string): string {
  const pairs = Object.entries(labels).map(([name, value]) => `${name}="${escapeLabelValue(value)}"`);
  if (le !== undefined) pairs.push(`le="${le}"`);
  return pairs.length === 0 ? '' : `{${pairs.join(',')}}`;
}

function escapeLabelValue(value: string): string {
  return value.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n');
}

function formatNumber(value: number): string {
  if (value === Number.POSITIVE_INFINITY) return '+Inf';
  if (value === Number.NEGATIVE_INFINITY) return '-Inf';
  return String(value);
}

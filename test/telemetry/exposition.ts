/** One sample line of a Prometheus text exposition. */
export interface Sample {
  name: string;
  labels: Record<string, string>;
  value: number;
}

/** A metric family: its `# TYPE`, `# HELP` and samples. */
export interface Family {
  type: string;
  help: string;
  samples: Sample[];
}

const metricName = /^[a-zA-Z_:][a-zA-Z0-9_:]*$/;
const sampleLine = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})? (\S+)$/;
const labelPair = /^([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\\n]|\\["\\n])*)"(,|$)/;
const suffixes: Record<string, string[]> = { counter: [''], gauge: [''], histogram: ['_bucket', '_sum', '_count'] };

/**
 * Parses text exposition format 0.0.4 strictly: every line must be `# HELP`, `# TYPE` or a
 * sample of the family declared just before it; throws naming the first bad line.
 */
export function parseExposition(text: string): Map<string, Family> {
  const families = new Map<string, Family>();
  let current: { name: string; family: Family } | undefined;
  if (text !== '' && !text.endsWith('\n')) throw new Error('exposition must end with a newline');
  for (const line of text.split('\n').slice(0, -1)) {
    const help = /^# HELP (\S+) (.*)$/.exec(line);
    const type = /^# TYPE (\S+) (counter|gauge|histogram|summary|untyped)$/.exec(line);
    if (help !== null) {
      const [, name = '', helpText = ''] = help;
      if (!metricName.test(name) || families.has(name)) throw new Error(`bad or repeated HELP: ${line}`);
      current = { name, family: { type: '', help: helpText, samples: [] } };
      families.set(name, current.family);
    } else if (type !== null) {
      if (current === undefined || type[1] !== current.name || current.family.type !== '') throw new Error(`TYPE out of place: ${line}`);
      current.family.type = type[2] ?? '';
    } else {
      const sample = parseSample(line);
      const allowed = (suffixes[current?.family.type ?? ''] ?? []).map((suffix) => `${current?.name}${suffix}`);
      if (current === undefined || !allowed.includes(sample.name)) throw new Error(`sample outside its family: ${line}`);
      current.family.samples.push(sample);
    }
  }
  return families;
}

function parseSample(line: string): Sample {
  const match = sampleLine.exec(line);
  if (match === null) throw new Error(`bad sample line: ${line}`);
  const [, name = '', labelText = '', valueText = ''] = match;
  const labels: Record<string, string> = {};
  let rest = labelText;
  while (rest !== '') {
    const pair = labelPair.exec(rest);
    if (pair === null) throw new Error(`bad labels: ${line}`);
    const [whole, label = '', value = ''] = pair;
    if (label in labels) throw new Error(`repeated label ${label}: ${line}`);
    labels[label] = value.replace(/\\(["\\n])/g, (_escape, character: string) => (character === 'n' ? '\n' : character));
    rest = rest.slice(whole.length);
  }
  const value = valueText === '+Inf' ? Number.POSITIVE_INFINITY : valueText === '-Inf' ? Number.NEGATIVE_INFINITY : Number(valueText);
  if (Number.isNaN(value) && valueText !== 'NaN') throw new Error(`bad value: ${line}`);
  return { name, labels, value };
}

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTelemetry, type Identity, StrataError, type Telemetry } from '../../src/index.ts';
import { createMetricsRegistry } from '../../src/telemetry/prometheus.ts';
import { latencyBuckets } from '../../src/telemetry/telemetry.ts';
import { serveStore, type TestServer } from '../support/http-server.ts';
import { storeTargets } from '../support/stores.ts';
import { type Family, parseExposition } from './exposition.ts';

function family(families: Map<string, Family>, name: string): Family {
  const found = families.get(name);
  if (found === undefined) throw new Error(`no metric family ${name}`);
  return found;
}

describe('Prometheus registry', () => {
  it('counts observations into cumulative buckets with +Inf, sum and count', () => {
    const registry = createMetricsRegistry();
    const histogram = registry.histogram({ name: 'demo_seconds', help: 'demo', labelNames: ['operation'], buckets: [0.01, 0.1, 1] });
    for (const value of [0.003, 0.01, 0.05, 0.5, 20]) histogram.observe({ operation: 'search' }, value);
    histogram.observe({ operation: 'memories.get' }, 0.2);
    const demo = family(parseExposition(registry.render()), 'demo_seconds');
    expect(demo.type).toBe('histogram');
    const search = demo.samples.filter((sample) => sample.labels.operation === 'search');
    expect(search.map((sample) => [sample.name, sample.labels.le, sample.value])).toEqual([
      ['demo_seconds_bucket', '0.01', 2],
      ['demo_seconds_bucket', '0.1', 3],
      ['demo_seconds_bucket', '1', 4],
      ['demo_seconds_bucket', '+Inf', 5],
      ['demo_seconds_sum', undefined, 0.003 + 0.01 + 0.05 + 0.5 + 20],
      ['demo_seconds_count', undefined, 5],
    ]);
    expect(demo.samples.filter((sample) => sample.labels.operation === 'memories.get').map((sample) => sample.value)).toEqual([
      0, 0, 1, 1, 0.2, 1,
    ]);
  });

  it('escapes label values and help text so the exposition still parses', () => {
    const registry = createMetricsRegistry();
    const counter = registry.counter({ name: 'demo_total', help: 'a \\ help\nwith two lines', labelNames: ['code'] });
    counter.increment({ code: 'quote " backslash \\ newline \n end' }, 2);
    const demo = family(parseExposition(registry.render()), 'demo_total');
    expect(demo.samples).toEqual([{ name: 'demo_total', labels: { code: 'quote " backslash \\ newline \n end' }, value: 2 }]);
  });
});

describe('telemetry metrics', () => {
  const member = (tenantId: string): Identity => ({ clientId: 'default', tenantId, userId: 'john', role: 'member' });

  it('keeps latency by operation, size class and outcome, and errors by code, without tenant ids', async () => {
    const telemetry = createTelemetry({ env: {} });
    for (let index = 0; index < 40; index += 1) {
      const tenant = `tenant-${index}`;
      const sizeClass = index % 2 === 0 ? 'small' : 'large';
      await telemetry.operation(
        { action: 'search', identity: member(tenant), args: [{ query: 'q' }], sizeClass: () => sizeClass },
        async () => ({
          hits: [],
        }),
      );
      await telemetry
        .operation({ action: 'memories.get', identity: member(tenant), args: ['m-1'], sizeClass: () => sizeClass }, async () => {
          throw new StrataError(index % 4 === 1 ? 'forbidden' : 'not_found', 'no');
        })
        .catch(() => undefined);
    }
    // Unbounded strings never become label values.
    await telemetry.operation(
      { action: 'memories get "x"', identity: member('t'), args: [], sizeClass: () => 'tenant acme!' },
      async () => 1,
    );
    await telemetry
      .operation(
        {
          action: 'keys.list',
          identity: member('t'),
          args: [],
          sizeClass: () => {
            throw new Error('no size yet');
          },
        },
        async () => {
          throw new TypeError('boom');
        },
      )
      .catch(() => undefined);

    const text = await telemetry.metrics();
    const families = parseExposition(text);
    expect(text).not.toMatch(/tenant-\d/);

    const duration = family(families, 'strata_operation_duration_seconds');
    expect(duration.type).toBe('histogram');
    for (const sample of duration.samples) {
      const expected = sample.name.endsWith('_bucket')
        ? ['operation', 'size_class', 'outcome', 'le']
        : ['operation', 'size_class', 'outcome'];
      expect(Object.keys(sample.labels)).toEqual(expected);
    }
    const series = new Set(duration.samples.map(({ labels }) => `${labels.operation}|${labels.size_class}|${labels.outcome}`));
    expect([...series].sort()).toEqual(
      [
        'search|small|ok',
        'search|large|ok',
        'memories.get|small|error',
        'memories.get|large|error',
        'other|other|ok',
        'keys.list|none|error',
      ].sort(),
    );
    const searchSmall = duration.samples.filter((sample) => sample.labels.operation === 'search' && sample.labels.size_class === 'small');
    expect(searchSmall.filter((sample) => sample.name.endsWith('_bucket')).map((sample) => sample.labels.le)).toEqual([
      ...latencyBuckets.map(String),
      '+Inf',
    ]);
    expect(searchSmall.find((sample) => sample.name.endsWith('_count'))?.value).toBe(20);
    expect(searchSmall.find((sample) => sample.labels.le === '+Inf')?.value).toBe(20);

    const operations = family(families, 'strata_operations_total');
    expect(operations.type).toBe('counter');
    expect(operations.samples.find((sample) => sample.labels.operation === 'search' && sample.labels.size_class === 'large')?.value).toBe(
      20,
    );

    const errors = family(families, 'strata_operation_errors_total');
    expect(errors.type).toBe('counter');
    expect(errors.samples.map(({ labels, value }) => [labels.operation, labels.code, value])).toEqual([
      ['memories.get', 'not_found', 30],
      ['memories.get', 'forbidden', 10],
      ['keys.list', 'internal', 1],
    ]);
    await telemetry.shutdown();
  });
});

describe('GET /metrics over HTTP', () => {
  const target = storeTargets[0];
  if (target === undefined) throw new Error('no store target');
  let telemetry: Telemetry;
  let open: TestServer;
  let guarded: TestServer;
  const metricsToken = 'scrape-token-4f1c9a';

  beforeAll(async () => {
    telemetry = createTelemetry({ env: {} });
    open = await serveStore(await target.open({ telemetry }), { telemetry });
    guarded = await serveStore(await target.open({ telemetry }), { telemetry, metricsToken });
  });
  afterAll(async () => {
    await open?.close();
    await guarded?.close();
    await telemetry?.shutdown();
  });

  it('is open without a metrics token, needs no API key, and reports operations done over HTTP', async () => {
    await open.client.tenants.create({ id: 'acme-metrics' });
    const response = await fetch(`${open.url}/metrics`);
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toBe('text/plain; version=0.0.4; charset=utf-8');
    const text = await response.text();
    const operations = family(parseExposition(text), 'strata_operations_total');
    expect(operations.samples).toContainEqual({
      name: 'strata_operations_total',
      labels: { operation: 'tenants.create', size_class: 'none', outcome: 'ok' },
      value: expect.any(Number),
    });
    expect(text).not.toContain('acme-metrics');
  });

  it('requires Authorization: Bearer <token> when a metrics token is set', async () => {
    const attempts: Array<Record<string, string>> = [
      {},
      { authorization: 'Bearer wrong-token' },
      { authorization: `Bearer ${metricsToken}x` },
      { authorization: `Basic ${Buffer.from(`user:${metricsToken}`).toString('base64')}` },
      { authorization: `Bearer ${guarded.adminKey}` },
    ];
    for (const headers of attempts) {
      const response = await fetch(`${guarded.url}/metrics`, { headers });
      expect(response.status).toBe(401);
      expect(response.headers.get('content-type')).toMatch(/^application\/problem\+json/);
      expect(response.headers.get('www-authenticate')).toBe('Bearer realm="metrics"');
      expect(await response.json()).toMatchObject({ status: 401, code: 'unauthenticated' });
    }
    const response = await fetch(`${guarded.url}/metrics`, { headers: { authorization: `Bearer ${metricsToken}` } });
    expect(response.status).toBe(200);
    expect(parseExposition(await response.text()).has('strata_operation_duration_seconds')).toBe(true);
  });
});

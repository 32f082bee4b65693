import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { operationsByName } from '../../src/api/registry.ts';
import { type Identity, StrataError } from '../../src/index.ts';
import { tracesEndpoint } from '../../src/telemetry/otlp-tracer.ts';
import { createTelemetry } from '../../src/telemetry/telemetry.ts';
import type { OperationCall, Telemetry } from '../../src/telemetry/types.ts';
import { storeTargets } from '../support/stores.ts';
import { type OtlpReceiver, type ReceivedSpan, startOtlpReceiver } from './otlp-receiver.ts';

const john: Identity = { clientId: 'default', tenantId: 'acme', userId: 'john', role: 'member' };
const operator: Identity = { clientId: 'default', role: 'platform' };
const secretQuery = 'which airline seat does john secretly prefer';
const secretContent = 'John prefers window seats on long flights';

function call(action: string, args: unknown[], identity: Identity = john, sizeClass = 'small'): OperationCall {
  // The GenAI operation name comes from the operation's declaration, as the governed pipeline passes it.
  return { action, identity, args, sizeClass: () => sizeClass, genAiOperation: operationsByName.get(action)?.telemetryName };
}

function memory(id: string) {
  return { id, scope: 'user', tenantId: 'acme', content: secretContent, metadata: { note: secretContent } };
}

function hit(id: string) {
  return { memoryId: id, scope: 'user', content: secretContent, score: 0.5 };
}

/** Runs one of each kind of operation (and one failure) through `telemetry`. */
async function runOperations(telemetry: Telemetry): Promise<void> {
  await telemetry.operation(call('memories.create', [{ content: secretContent, scope: 'user' }]), async () => ({
    memory: memory('m-1'),
    deduplicated: false,
  }));
  await telemetry.operation(
    call('memories.createMany', [[{ content: secretContent }, { content: 'two' }, { content: 'three' }]]),
    async () => ['m-2', 'm-3', 'm-4'].map((id) => ({ memory: memory(id), deduplicated: false })),
  );
  await telemetry.operation(call('memories.update', ['m-1', { content: secretContent }]), async () => memory('m-1'));
  await telemetry.operation(call('search', [{ query: secretQuery, limit: 5 }]), async () => ({
    mode: 'hybrid',
    hits: [hit('m-1'), hit('m-2')],
  }));
  await telemetry.operation(call('context', [{ query: secretQuery }]), async () => ({
    memories: [hit('m-1')],
    recent: [],
    tokenCount: 9,
    text: secretContent,
  }));
  await telemetry.operation(call('memories.delete', ['m-1']), async () => ({ id: 'm-1', deleted: true }));
  await telemetry.operation(call('memories.deleteAllForUser', ['john']), async () => ({ userId: 'john', memories: 3, history: 1 }));
  await telemetry.operation(call('users.delete', ['jane']), async () => ({ userId: 'jane', memories: 2, history: 0 }));
  await telemetry.operation(call('tenants.create', [{ id: 'globex', name: 'Globex' }], operator, 'none'), async () => ({ id: 'globex' }));
  await telemetry.operation(call('tenants.delete', ['globex'], operator, 'none'), async () => ({ tenantId: 'globex' }));
  await telemetry.operation(call('memories.list', [{ scope: 'customer' }]), async () => ({
    items: [memory('m-5'), memory('m-6')],
    nextCursor: null,
  }));
  await telemetry.operation(call('keys.list', [{}], operator, 'none'), async () => ({ items: [], nextCursor: null }));
  await expect(
    telemetry.operation(call('memories.get', ['m-404'], john, 'medium'), async () => {
      throw new StrataError('not_found', `memory m-404 not found (${secretContent})`);
    }),
  ).rejects.toMatchObject({ code: 'not_found' });
}

function named(spans: ReceivedSpan[], name: string): ReceivedSpan {
  const span = spans.find((candidate) => candidate.name === name);
  if (span === undefined) throw new Error(`no span named ${name}; got ${spans.map((s) => s.name).join(', ')}`);
  return span;
}

describe('telemetry spans over OTLP/HTTP', () => {
  let receiver: OtlpReceiver;
  beforeEach(async () => {
    receiver = await startOtlpReceiver();
  });
  afterEach(async () => {
    await receiver.close();
  });

  it('names the GenAI memory attributes exactly as the conventions do, with span kind CLIENT for memory operations', async () => {
    const telemetry = createTelemetry({ env: { OTEL_EXPORTER_OTLP_ENDPOINT: receiver.url } });
    await runOperations(telemetry);
    await telemetry.shutdown();
    const spans = receiver.spans();
    const create = named(spans, 'create_memory acme');
    expect(Object.keys(create.attributes).sort()).toEqual(
      [
        'gen_ai.memory.namespace',
        'gen_ai.memory.record.count',
        'gen_ai.memory.record.id',
        'gen_ai.memory.scope',
        'gen_ai.memory.store.id',
        'gen_ai.memory.store.name',
        'gen_ai.memory.type',
        'gen_ai.operation.name',
        'gen_ai.provider.name',
        'strata.memory.scope',
        'strata.operation',
        'strata.tenant.id',
        'strata.tenant.size_class',
      ].sort(),
    );
    expect(create.attributes).toMatchObject({
      'gen_ai.memory.namespace': 'acme',
      'gen_ai.memory.scope': ['user'],
      'gen_ai.memory.type': 'long_term',
      'gen_ai.provider.name': 'strata',
    });
    const search = named(spans, 'search_memory acme');
    expect(
      Object.keys(search.attributes)
        .filter((name) => name.startsWith('gen_ai.'))
        .sort(),
    ).toEqual(
      [
        'gen_ai.memory.namespace',
        'gen_ai.memory.record.count',
        'gen_ai.memory.scope',
        'gen_ai.memory.search.result.count',
        'gen_ai.memory.store.id',
        'gen_ai.memory.store.name',
        'gen_ai.memory.type',
        'gen_ai.operation.name',
        'gen_ai.provider.name',
      ].sort(),
    );
    // The scopes a search reads: the caller's whole chain when it names none.
    expect(search.attributes['gen_ai.memory.scope']).toEqual(['user', 'customer', 'client', 'world']);
    const client = 3;
    const internal = 1;
    expect(create.kind).toBe(client);
    expect(search.kind).toBe(client);
    expect(named(spans, 'strata keys.list').kind).toBe(internal);
  });

  it('exports GenAI memory spans with the convention names and attributes, and no content', async () => {
    const telemetry = createTelemetry({ env: { OTEL_EXPORTER_OTLP_ENDPOINT: receiver.url } });
    await runOperations(telemetry);
    await telemetry.shutdown();
    const spans = receiver.spans();
    expect(spans).toHaveLength(13);
    expect(spans[0]?.resource['service.name']).toBe('strata');

    expect(named(spans, 'create_memory acme').attributes).toMatchObject({
      'gen_ai.operation.name': 'create_memory',
      'gen_ai.memory.store.id': 'acme',
      'gen_ai.memory.record.id': 'm-1',
      'gen_ai.memory.record.count': 1,
      'strata.operation': 'memories.create',
      'strata.tenant.id': 'acme',
      'strata.memory.scope': 'user',
      'strata.tenant.size_class': 'small',
    });
    const createMany = spans.find((span) => span.attributes['strata.operation'] === 'memories.createMany');
    expect(createMany?.name).toBe('create_memory acme');
    expect(createMany?.attributes['gen_ai.memory.record.count']).toBe(3);
    expect(named(spans, 'update_memory acme').attributes).toMatchObject({
      'gen_ai.memory.record.id': 'm-1',
      'gen_ai.memory.record.count': 1,
    });

    const search = spans.find((span) => span.attributes['strata.operation'] === 'search');
    expect(search?.name).toBe('search_memory acme');
    expect(search?.attributes).toMatchObject({
      'gen_ai.operation.name': 'search_memory',
      'gen_ai.memory.search.result.count': 2,
      'gen_ai.memory.record.count': 2,
    });
    expect(search?.attributes).not.toHaveProperty('gen_ai.memory.query.text');
    const context = spans.find((span) => span.attributes['strata.operation'] === 'context');
    expect(context?.attributes).toMatchObject({ 'gen_ai.operation.name': 'search_memory', 'gen_ai.memory.search.result.count': 1 });

    const deletes = spans.filter((span) => span.attributes['gen_ai.operation.name'] === 'delete_memory');
    expect(deletes.map((span) => [span.name, span.attributes['strata.operation'], span.attributes['gen_ai.memory.record.count']])).toEqual([
      ['delete_memory acme', 'memories.delete', 1],
      ['delete_memory acme', 'memories.deleteAllForUser', 3],
      ['delete_memory acme', 'users.delete', 2],
    ]);
    expect(deletes[0]?.attributes['gen_ai.memory.record.id']).toBe('m-1');
    // Erasure of a user's memories names no single record.
    expect(deletes[1]?.attributes).not.toHaveProperty('gen_ai.memory.record.id');

    expect(named(spans, 'create_memory_store globex').attributes).toMatchObject({
      'gen_ai.operation.name': 'create_memory_store',
      'gen_ai.memory.store.id': 'globex',
      'strata.tenant.size_class': 'none',
    });
    expect(named(spans, 'delete_memory_store globex').attributes['gen_ai.memory.store.id']).toBe('globex');

    const list = named(spans, 'strata memories.list');
    expect(list.attributes).toMatchObject({
      'strata.operation': 'memories.list',
      'gen_ai.memory.record.count': 2,
      'strata.memory.scope': 'customer',
    });
    expect(list.attributes).not.toHaveProperty('gen_ai.operation.name');
    expect(named(spans, 'strata keys.list').attributes).not.toHaveProperty('gen_ai.operation.name');

    const failed = named(spans, 'strata memories.get');
    expect(failed.statusCode).toBe(2);
    expect(failed.attributes).toMatchObject({
      'error.type': 'not_found',
      'gen_ai.memory.record.id': 'm-404',
      'strata.tenant.size_class': 'medium',
    });

    const everything = receiver.bodies.join('\n');
    expect(everything).not.toContain(secretContent);
    expect(everything).not.toContain(secretQuery);
  });

  it('records the query text only when OTEL_INSTRUMENTATION_GENAI_CAPTURE_MESSAGE_CONTENT is true', async () => {
    const telemetry = createTelemetry({
      env: {
        OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: `${receiver.url}/v1/traces`,
        OTEL_INSTRUMENTATION_GENAI_CAPTURE_MESSAGE_CONTENT: 'true',
        OTEL_SERVICE_NAME: 'strata-eu',
      },
    });
    await runOperations(telemetry);
    await telemetry.shutdown();
    const spans = receiver.spans();
    const searches = spans.filter((span) => span.attributes['gen_ai.operation.name'] === 'search_memory');
    expect(searches.map((span) => span.attributes['gen_ai.memory.query.text'])).toEqual([secretQuery, secretQuery]);
    expect(spans[0]?.resource['service.name']).toBe('strata-eu');
    // The flag covers the query, never the memories themselves.
    expect(receiver.bodies.join('\n')).not.toContain(secretContent);
  });

  it('creates no spans without an endpoint, and still runs the work and counts it', async () => {
    const telemetry = createTelemetry({ env: {} });
    const result = await telemetry.operation(call('search', [{ query: secretQuery }]), async () => ({ mode: 'hybrid', hits: [] }));
    expect(result).toEqual({ mode: 'hybrid', hits: [] });
    expect(await telemetry.metrics()).toContain('strata_operations_total{operation="search",size_class="small",outcome="ok"} 1');
    await telemetry.shutdown();
    expect(receiver.bodies).toEqual([]);
  });

  it('reads the endpoint like the OpenTelemetry exporter spec and rejects a bad one', () => {
    expect(tracesEndpoint({ OTEL_EXPORTER_OTLP_ENDPOINT: 'http://collector:4318/' })).toBe('http://collector:4318/v1/traces');
    expect(
      tracesEndpoint({
        OTEL_EXPORTER_OTLP_ENDPOINT: 'http://collector:4318',
        OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: 'https://traces.example/x',
      }),
    ).toBe('https://traces.example/x');
    expect(tracesEndpoint({ OTEL_EXPORTER_OTLP_ENDPOINT: 'http://collector:4318', OTEL_SDK_DISABLED: 'true' })).toBeUndefined();
    expect(tracesEndpoint({ OTEL_EXPORTER_OTLP_ENDPOINT: 'http://collector:4318', OTEL_TRACES_EXPORTER: 'none' })).toBeUndefined();
    expect(() => createTelemetry({ env: { OTEL_EXPORTER_OTLP_ENDPOINT: 'collector:4318' } })).toThrow(/OTEL_EXPORTER_OTLP_ENDPOINT/);
  });

  it('traces a real Strata store: every library call becomes a span', async () => {
    const target = storeTargets[0];
    if (target === undefined) throw new Error('no store target');
    const telemetry = createTelemetry({ env: { OTEL_EXPORTER_OTLP_ENDPOINT: receiver.url } });
    const strata = await target.open({ telemetry });
    try {
      const operatorHandle = strata.as({ role: 'platform' });
      await operatorHandle.tenants.create({ id: 'acme' });
      const acme = strata.as({ tenantId: 'acme', userId: 'john' });
      const { memory: created } = await acme.memories.create({ content: secretContent });
      await acme.search({ query: secretQuery });
      await acme.memories.delete(created.id);
      await expect(acme.memories.get(created.id)).rejects.toMatchObject({ code: 'not_found' });
    } finally {
      await strata.close();
      await telemetry.shutdown();
    }
    const spans = receiver.spans();
    expect(named(spans, 'create_memory_store acme').attributes['gen_ai.memory.store.id']).toBe('acme');
    const createSpan = named(spans, 'create_memory acme');
    expect(createSpan.attributes).toMatchObject({ 'strata.memory.scope': 'user', 'strata.tenant.size_class': 'small' });
    expect(typeof createSpan.attributes['gen_ai.memory.record.id']).toBe('string');
    expect(named(spans, 'search_memory acme').attributes['gen_ai.memory.search.result.count']).toBe(1);
    expect(named(spans, 'delete_memory acme').attributes['gen_ai.memory.record.id']).toBe(createSpan.attributes['gen_ai.memory.record.id']);
    expect(named(spans, 'strata memories.get')).toMatchObject({ statusCode: 2, attributes: { 'error.type': 'not_found' } });
    const everything = receiver.bodies.join('\n');
    expect(everything).not.toContain(secretContent);
    expect(everything).not.toContain(secretQuery);
  });
});

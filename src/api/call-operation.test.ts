import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { failure } from '../../test/support/failure.ts';
import { createStrata, type Strata } from '../index.ts';
import { inputFromRequest } from '../server/invoke.ts';
import { callOperation } from './call-operation.ts';
import { httpOperations } from './registry.ts';

describe('callOperation', () => {
  let strata: Strata;
  beforeAll(async () => {
    strata = await createStrata({ inMemory: true });
    await strata.tenants.create({ id: 'call-a' });
    await strata.tenants.create({ id: 'call-b' });
  });
  afterAll(async () => strata.close());

  const john = { tenantId: 'call-a', userId: 'john', role: 'member' as const };

  it('runs an operation by name with one input object, exactly as the library method does', async () => {
    const created = (await callOperation(strata, 'memories.create', { content: 'Prefers aisle seats', idempotencyKey: 'k-1' }, john)) as {
      memory: { id: string };
    };
    const again = (await callOperation(strata, 'memories.create', { content: 'Prefers aisle seats', idempotencyKey: 'k-1' }, john)) as {
      memory: { id: string };
    };
    expect(again.memory.id).toBe(created.memory.id);
    expect(await callOperation(strata, 'memories.get', { id: created.memory.id }, john)).toEqual(
      await strata.as(john).memories.get(created.memory.id),
    );
    const page = (await callOperation(strata, 'memories.list', { limit: 1 }, john)) as { items: unknown[] };
    expect(page.items).toHaveLength(1);
  });

  it('refuses an unknown operation, a library-only one, and a field the operation does not take, naming them', async () => {
    expect(await failure(callOperation(strata, 'memories.drop', {}, john))).toMatchObject({
      code: 'invalid_input',
      details: { field: 'operation' },
    });
    expect(await failure(callOperation(strata, 'keys.authenticate', {}, john))).toMatchObject({
      code: 'invalid_input',
      details: { field: 'operation' },
    });
    expect(await failure(callOperation(strata, 'memories.get', { id: 'x', colour: 'red' }, john))).toMatchObject({
      code: 'invalid_input',
      details: { field: 'colour' },
    });
  });

  it('refuses an input naming another tenant, or another user for a user key, before anything runs', async () => {
    for (const [field, value] of [
      ['tenantId', 'call-b'],
      ['tenant_id', 'call-b'],
      ['userId', 'mary'],
    ] as const) {
      const error = await failure(callOperation(strata, 'memories.create', { content: 'planted', [field]: value }, john));
      expect(error).toMatchObject({ code: 'forbidden', details: { field } });
    }
    const left = await strata.as({ tenantId: 'call-b' }).memories.list();
    expect(left.items).toEqual([]);
  });

  it('applies the role × operation table: a member may not manage users', async () => {
    expect(await failure(callOperation(strata, 'users.create', { id: 'eve' }, john))).toMatchObject({ code: 'forbidden' });
  });
});

describe('inputFromRequest', () => {
  const update = httpOperations.find((operation) => operation.name === 'memories.update');
  if (update === undefined) throw new Error('memories.update is declared');

  it('refuses a body field that repeats a path parameter instead of letting either win', () => {
    const request = { params: { id: 'path-id' }, query: {}, body: { id: 'body-id', content: 'x' }, headers: {} };
    expect(() => inputFromRequest(update, request)).toThrowError(
      expect.objectContaining({ code: 'invalid_input', details: { field: 'id' } }),
    );
  });

  it('refuses a body that is not a JSON object', () => {
    const request = { params: { id: 'path-id' }, query: {}, body: ['x'], headers: {} };
    expect(() => inputFromRequest(update, request)).toThrowError(
      expect.objectContaining({ code: 'invalid_input', details: { field: 'body' } }),
    );
  });
});

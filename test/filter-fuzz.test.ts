import fc from 'fast-check';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { type FilterCondition, parseMetadataFilter } from '../src/core/filter.ts';
import type { MetadataFilter, Strata } from '../src/index.ts';
import { describeEachStore } from './support/stores.ts';

// Keys full of SQL, LIKE and JSON-path metacharacters: they must match literally.
const keys = ['plain', "o'quote", '%_like', 'back\\slash', '$.path[0]', 'a.b', 'emoji🧠', ' spaced '];
const scalar = fc.oneof(fc.integer({ min: -5, max: 5 }), fc.constantFrom('a', 'b', 'ab', 'b%', "x'y"), fc.boolean(), fc.constant(null));
const metadataArbitrary = fc.dictionary(fc.constantFrom(...keys), scalar, { maxKeys: 4 });
const operatorArbitrary = fc.oneof(
  scalar,
  fc.record({ $eq: scalar }),
  fc.record({ $ne: scalar }),
  fc.record({ $in: fc.array(scalar, { maxLength: 3 }) }),
  fc.record({ $nin: fc.array(scalar, { maxLength: 3 }) }),
  fc.record({ $gt: fc.oneof(fc.integer({ min: -5, max: 5 }), fc.constantFrom('a', 'ab', 'b')) }),
  fc.record({ $lte: fc.oneof(fc.integer({ min: -5, max: 5 }), fc.constantFrom('a', 'ab', 'b')) }),
  fc.record({ $exists: fc.boolean() }),
);
const filterArbitrary = fc.dictionary(fc.constantFrom(...keys), operatorArbitrary, {
  minKeys: 1,
  maxKeys: 3,
}) as fc.Arbitrary<MetadataFilter>;

/** The filter language's meaning, in plain JavaScript: the model the SQL must agree with. */
function matches(metadata: Record<string, unknown>, condition: FilterCondition): boolean {
  const present = Object.hasOwn(metadata, condition.key);
  const value = metadata[condition.key];
  const same = (other: unknown) => present && JSON.stringify(value) === JSON.stringify(other);
  switch (condition.operator) {
    case '$exists':
      return present === condition.value;
    case '$eq':
      return same(condition.value);
    case '$ne':
      return !same(condition.value);
    case '$in':
      return (condition.value as unknown[]).some(same);
    case '$nin':
      return !(condition.value as unknown[]).some(same);
    default: {
      if (!present || typeof value !== typeof condition.value) return false;
      const left = value as number | string;
      const right = condition.value as number | string;
      if (condition.operator === '$gt') return left > right;
      if (condition.operator === '$gte') return left >= right;
      if (condition.operator === '$lt') return left < right;
      return left <= right;
    }
  }
}

describeEachStore('metadata filter language (fuzzed)', (target) => {
  let strata: Strata;
  const stored: Array<{ id: string; metadata: Record<string, unknown> }> = [];
  beforeAll(async () => {
    strata = await target.open();
    await strata.tenants.create({ id: 'fuzz' });
    const samples = fc.sample(metadataArbitrary, { numRuns: 60, seed: 42 });
    const results = await strata
      .as({ tenantId: 'fuzz' })
      .memories.createMany(samples.map((metadata, index) => ({ content: `row ${index}`, metadata })));
    for (const [index, result] of results.entries()) stored.push({ id: result.memory.id, metadata: samples[index] ?? {} });
  });
  afterAll(() => strata.close());

  it('returns exactly the rows the JavaScript model selects, for any filter', async () => {
    await fc.assert(
      fc.asyncProperty(filterArbitrary, async (filter) => {
        const listed = strata.as({ tenantId: 'fuzz' }).memories.list({ filter, limit: 200 });
        // Top-level keys starting with $ are reserved for operators: refused, never guessed at.
        if (Object.keys(filter).some((key) => key.startsWith('$'))) {
          await expect(listed).rejects.toMatchObject({ code: 'invalid_input' });
          return;
        }
        const conditions = parseMetadataFilter(filter);
        const expected = stored.filter((row) => conditions.every((condition) => matches(row.metadata, condition))).map((row) => row.id);
        expect((await listed).items.map((item) => item.id).sort()).toEqual(expected.sort());
      }),
      { numRuns: 150 },
    );
  });

  it('rejects malformed filters with invalid_input, never an internal error', async () => {
    const junk = fc.oneof(
      fc.jsonValue(),
      fc.dictionary(fc.string(), fc.jsonValue()),
      fc.dictionary(
        fc.constantFrom(...keys),
        fc.dictionary(fc.constantFrom('$gt', '$in', '$regex', '$eq', '$exists', 'x'), fc.jsonValue()),
      ),
    );
    await fc.assert(
      fc.asyncProperty(junk, async (filter) => {
        const outcome = await strata
          .as({ tenantId: 'fuzz' })
          .memories.list({ filter: filter as MetadataFilter, limit: 5 })
          .then(
            () => 'ok',
            (error: { code?: string }) => error.code,
          );
        expect(['ok', 'invalid_input']).toContain(outcome);
      }),
      { numRuns: 200 },
    );
  });
});

import { afterAll, beforeAll, expect, it } from 'vitest';
import { type ContractStrata, describeEachSurface } from '../../test/support/surfaces.ts';

// Idempotency records belong to their caller (tenant + user), die with the user and expire.
describeEachSurface('idempotency keys', (target) => {
  let strata: ContractStrata;
  let clock = new Date('2026-06-01T00:00:00Z');
  beforeAll(async () => {
    strata = await target.open({ now: () => clock });
    await strata.tenants.create({ id: 'idem' });
  });
  afterAll(() => strata.close());

  const as = (userId?: string) => strata.as(userId === undefined ? { tenantId: 'idem' } : { tenantId: 'idem', userId });
  const write = (userId: string | undefined, content: string, key: string) =>
    as(userId).memories.create({ content, scope: userId === undefined ? 'customer' : 'user' }, { idempotencyKey: key });

  it("another user's key is no oracle: the same key by another user is a separate create, never conflict", async () => {
    const first = await write('ann', 'ann wrote this', 'shared-key');
    const other = await write('bob', 'bob wrote something else', 'shared-key');
    expect(other.memory.id).not.toBe(first.memory.id);
    expect(other.deduplicated).toBe(false);
    // Each replays its own outcome; the tenant level has its own space too.
    expect((await write('bob', 'bob wrote something else', 'shared-key')).memory.id).toBe(other.memory.id);
    expect((await write('ann', 'ann wrote this', 'shared-key')).memory.id).toBe(first.memory.id);
    const tenantLevel = await write(undefined, 'a tenant note', 'shared-key');
    expect([first.memory.id, other.memory.id]).not.toContain(tenantLevel.memory.id);
    // Within one caller, the same key with another body is still a conflict.
    await expect(write('ann', 'a different body', 'shared-key')).rejects.toMatchObject({
      code: 'conflict',
      details: { field: 'idempotencyKey' },
    });
  });

  it('erasing a user erases its records: a replay cannot tell a right guess of erased content from a wrong one', async () => {
    await write('cara', 'cara account number 4417', 'cara-key');
    await as().users.delete('cara');
    const right = await write('cara', 'cara account number 4417', 'cara-key');
    const wrong = await write('cara', 'cara account number 9999', 'another-cara-key');
    // Both are plain new creates: no 404 naming the erased memory, no 409.
    expect(right.deduplicated).toBe(false);
    expect(wrong.deduplicated).toBe(false);
    await as().users.delete('cara');
  });

  it('forgets a key after 24 hours: a late reuse with another body creates instead of conflicting', async () => {
    const early = await write('dan', 'dan first', 'dan-key');
    clock = new Date(clock.getTime() + 25 * 60 * 60 * 1000);
    const late = await write('dan', 'dan second', 'dan-key');
    expect(late.memory.id).not.toBe(early.memory.id);
    expect((await write('dan', 'dan second', 'dan-key')).memory.id).toBe(late.memory.id);
  });
});

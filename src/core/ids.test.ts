import { describe, expect, it } from 'vitest';
import { createUuidV7Generator, isOpaqueId, isUuid, parseOpaqueId } from './ids.ts';

describe('opaque ids', () => {
  it('accepts letters, digits and ._:|- up to 255 characters', () => {
    for (const id of ['acme', 'acme-corp', 'a.b_c:d|e-f', 'X'.repeat(255), '0']) expect(parseOpaqueId('tenantId', id)).toBe(id);
  });

  it('rejects anything else naming the field', () => {
    for (const id of ['', ' ', 'a b', 'a*', '50%', 'a/b', 'é', 'a\u0000', "o'neil", 'X'.repeat(256), 'аcme']) {
      expect(() => parseOpaqueId('tenantId', id)).toThrowError(
        expect.objectContaining({ code: 'invalid_input', details: { field: 'tenantId' } }),
      );
      expect(isOpaqueId(id)).toBe(false);
    }
    expect(() => parseOpaqueId('userId', 42)).toThrowError(/userId: must be a string/);
  });
});

describe('UUIDv7 ids', () => {
  it('are valid UUIDs that sort in creation order, even within one millisecond', () => {
    let now = 1_700_000_000_000;
    const generate = createUuidV7Generator(() => now);
    const ids = Array.from({ length: 500 }, (_, index) => {
      if (index % 100 === 0) now += 1;
      return generate();
    });
    for (const id of ids) expect(isUuid(id)).toBe(true);
    expect([...ids].sort()).toEqual(ids);
    expect(new Set(ids).size).toBe(ids.length);
  });

  it('stays ordered when the clock steps backwards', () => {
    let now = 1_700_000_000_000;
    const generate = createUuidV7Generator(() => now);
    const first = generate();
    now -= 5_000;
    expect(generate() > first).toBe(true);
  });
});

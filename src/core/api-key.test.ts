import { describe, expect, it } from 'vitest';
import { apiKeyKinds, hashApiKey, mintApiKey, parseApiKey, sameKeyHash } from './api-key.ts';

describe('API keys', () => {
  it('mints keys that carry their kind and parse back', () => {
    for (const kind of apiKeyKinds) {
      const key = mintApiKey(kind);
      expect(key.secret).toMatch(new RegExp(`^sk_${kind}_[0-9A-Za-z]{39}$`));
      expect(parseApiKey(key.secret)).toBe(kind);
      expect(key.hash).toBe(hashApiKey(key.secret));
      expect(key.secret.startsWith(key.prefix)).toBe(true);
    }
  });

  it('never mints the same key twice', () => {
    const keys = new Set(Array.from({ length: 1000 }, () => mintApiKey('tenant').secret));
    expect(keys.size).toBe(1000);
  });

  it('rejects a changed character, a changed kind, truncation and junk by checksum or shape', () => {
    const { secret } = mintApiKey('user');
    const body = secret.slice('sk_user_'.length);
    const flipped = body[5] === 'a' ? 'b' : 'a';
    expect(parseApiKey(`sk_user_${body.slice(0, 5)}${flipped}${body.slice(6)}`)).toBeNull();
    expect(parseApiKey(`sk_tenant_${body}`)).toBeNull();
    expect(parseApiKey(secret.slice(0, -1))).toBeNull();
    expect(parseApiKey(`${secret}x`)).toBeNull();
    for (const junk of ['', 'sk_', 'Bearer x', 'sk_admin_abc', `${secret} `, secret.toUpperCase()]) expect(parseApiKey(junk)).toBeNull();
  });

  it('compares hashes without short-circuiting on length', () => {
    const hash = hashApiKey('a');
    expect(sameKeyHash(hash, hashApiKey('a'))).toBe(true);
    expect(sameKeyHash(hash, hashApiKey('b'))).toBe(false);
    expect(sameKeyHash(hash, 'abcd')).toBe(false);
  });
});

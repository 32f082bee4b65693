import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import type { StrataError } from '../core/errors.ts';
import { createSecretBox, parseMasterKey, type SealContext } from './secret-box.ts';

const key = randomBytes(32);
const box = createSecretBox([{ version: 1, key }]);
const acme: SealContext = { tenantId: 'acme', purpose: 'tenant_provider_keys.sealed', rowId: 'acme' };
const secret = 'sk-live-0123456789abcdefghij';

describe('secret box', () => {
  it('seals and opens a value, with a fresh IV every time and the key version stored beside it', () => {
    const first = box.seal(secret, acme);
    const second = box.seal(secret, acme);
    expect(first.keyVersion).toBe(1);
    expect(first.sealed).not.toBe(second.sealed);
    expect(Buffer.from(first.sealed, 'base64').includes(Buffer.from(secret))).toBe(false);
    expect(box.open(first, acme).toString('utf8')).toBe(secret);
    expect(box.open(second, acme).toString('utf8')).toBe(secret);
    expect(box.open(box.seal(new Uint8Array([0, 1, 255]), acme), acme)).toEqual(Buffer.from([0, 1, 255]));
  });

  it('refuses a tampered ciphertext, IV, tag or format byte', () => {
    const sealed = box.seal(secret, acme);
    const bytes = Buffer.from(sealed.sealed, 'base64');
    for (const offset of [0, 1, 13, 29, bytes.length - 1]) {
      const tampered = Buffer.from(bytes);
      tampered[offset] = (tampered[offset] ?? 0) ^ 0x01;
      expect(() => box.open({ ...sealed, sealed: tampered.toString('base64') }, acme), `byte ${offset}`).toThrow(
        expect.objectContaining({ code: 'misconfigured' }),
      );
    }
    expect(() => box.open({ ...sealed, sealed: bytes.subarray(0, 20).toString('base64') }, acme)).toThrow(/does not open/);
    expect(() => box.open({ ...sealed, sealed: '' }, acme)).toThrow(/does not open/);
  });

  it('refuses to open in another tenant, another row, for another purpose, or under another key version', () => {
    const sealed = box.seal(secret, acme);
    for (const context of [
      { ...acme, tenantId: 'globex' },
      { ...acme, rowId: 'globex' },
      { ...acme, purpose: 'webhooks.secret' },
      // Fields are kept apart: moving characters from one into the next does not collide.
      { tenantId: 'acm', purpose: `e${acme.purpose}`, rowId: acme.rowId },
    ]) {
      expect(() => box.open(sealed, context), JSON.stringify(context)).toThrow(expect.objectContaining({ code: 'misconfigured' }));
    }
    const rotated = createSecretBox([
      { version: 1, key },
      { version: 2, key: randomBytes(32) },
    ]);
    expect(rotated.keyVersion).toBe(2);
    expect(rotated.open(sealed, acme).toString('utf8')).toBe(secret);
    // The same ciphertext presented as sealed under version 2 fails: the version is authenticated too.
    expect(() => rotated.open({ ...sealed, keyVersion: 2 }, acme)).toThrow(/does not open/);
    expect(() => box.open({ ...sealed, keyVersion: 3 }, acme)).toThrow(/no master key of version 3/);
    expect(() => createSecretBox([{ version: 1, key: randomBytes(32) }]).open(sealed, acme)).toThrow(/does not open/);
  });

  it('never puts the plaintext or the key in an error', () => {
    const sealed = box.seal(secret, acme);
    let error: StrataError | undefined;
    try {
      box.open(sealed, { ...acme, tenantId: 'globex' });
    } catch (caught) {
      error = caught as StrataError;
    }
    const reported = JSON.stringify({ message: error?.message, details: error?.details });
    expect(reported).toContain('tenant_provider_keys.sealed');
    for (const leak of [secret, key.toString('hex'), key.toString('base64'), sealed.sealed]) expect(reported).not.toContain(leak);
  });
});

describe('parseMasterKey', () => {
  it('reads 32 bytes as hex, base64 (padded or not) or base64url', () => {
    expect(parseMasterKey(key.toString('hex'), 'STRATA_MASTER_KEY')).toEqual(key);
    expect(parseMasterKey(key.toString('hex').toUpperCase(), 'STRATA_MASTER_KEY')).toEqual(key);
    expect(parseMasterKey(key.toString('base64'), 'STRATA_MASTER_KEY')).toEqual(key);
    expect(parseMasterKey(key.toString('base64').replace(/=$/, ''), 'STRATA_MASTER_KEY')).toEqual(key);
    expect(parseMasterKey(key.toString('base64url'), 'STRATA_MASTER_KEY')).toEqual(key);
    expect(parseMasterKey(` ${key.toString('base64')}\n`, 'STRATA_MASTER_KEY')).toEqual(key);
    expect(parseMasterKey(new Uint8Array(key), 'masterKey')).toEqual(key);
  });

  it('refuses anything else as misconfigured naming the variable, without echoing the value', () => {
    const bad = [
      '',
      'correct horse battery staple',
      key.toString('hex').slice(0, 62),
      `${key.toString('hex')}00`,
      randomBytes(31).toString('base64'),
      randomBytes(33).toString('base64'),
      randomBytes(24).toString('hex'),
      `${key.toString('hex').slice(0, 63)}g`,
      `${key.toString('base64').slice(0, 42)}!=`,
    ];
    for (const value of bad) {
      let error: Error | undefined;
      try {
        parseMasterKey(value, 'STRATA_MASTER_KEY');
      } catch (caught) {
        error = caught as Error;
      }
      expect(error, JSON.stringify(value)).toMatchObject({ code: 'misconfigured', details: { variable: 'STRATA_MASTER_KEY' } });
      expect(error?.message).toMatch(/^STRATA_MASTER_KEY: must be 32 random bytes/);
      if (value.length > 4) expect(error?.message).not.toContain(value.trim());
    }
    expect(() => parseMasterKey(new Uint8Array(16), 'masterKey')).toThrow(
      expect.objectContaining({ code: 'misconfigured', details: { field: 'masterKey' } }),
    );
  });
});

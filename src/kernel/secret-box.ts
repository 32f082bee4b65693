import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import { StrataError } from '../core/errors.ts';

/**
 * What a sealed value is bound to, as AES-GCM additional authenticated data: a ciphertext
 * opens only with the same tenant, purpose and row (and the key version it was sealed under),
 * so one copied into another row or another tenant's row fails to open.
 */
export interface SealContext {
  /** The tenant the value belongs to. */
  tenantId: string;
  /** What the value is, as `table.column`: `tenant_provider_keys.sealed`. */
  purpose: string;
  /** The row's key within the tenant (the tenant id again for a table keyed by tenant alone). */
  rowId: string;
}

/** A sealed value as stored: one base64 text (format byte, IV, tag, ciphertext) and the master key version that sealed it. */
export interface Sealed {
  sealed: string;
  keyVersion: number;
}

/** One master key: 32 bytes, and the version stored with everything it seals. */
export interface MasterKey {
  version: number;
  key: Uint8Array;
}

/**
 * Seals and opens small secrets under the deployment's master key (AES-256-GCM, a random
 * 12-byte IV per value). Issue 17's envelope encryption wraps tenant data keys with the same
 * calls.
 */
export interface SecretBox {
  /** The version new values are sealed under. */
  readonly keyVersion: number;
  seal(plaintext: string | Uint8Array, context: SealContext): Sealed;
  /**
   * The plaintext of `sealed`. A value that was altered, moved to another context, or sealed
   * under another key is `misconfigured` (the usual cause is a changed master key), never a
   * partial or wrong plaintext.
   */
  open(sealed: Sealed, context: SealContext): Buffer;
}

const format = 1;
const ivBytes = 12;
const tagBytes = 16;

/**
 * A secret box over `keys`; the highest version seals, every listed version opens.
 *
 * @example
 * const box = createSecretBox([{ version: 1, key: parseMasterKey(process.env.STRATA_MASTER_KEY!, 'STRATA_MASTER_KEY') }]);
 * const stored = box.seal('sk-live-…', { tenantId: 'acme', purpose: 'tenant_provider_keys.sealed', rowId: 'acme' });
 * box.open(stored, { tenantId: 'acme', purpose: 'tenant_provider_keys.sealed', rowId: 'acme' }).toString('utf8');
 */
export function createSecretBox(keys: readonly MasterKey[]): SecretBox {
  const byVersion = new Map<number, Buffer>();
  for (const { version, key } of keys) {
    if (!Number.isInteger(version) || version < 1) throw new StrataError('internal', 'a master key version is a positive integer');
    if (key.length !== 32) throw new StrataError('internal', 'a master key is 32 bytes');
    byVersion.set(version, Buffer.from(key));
  }
  const current = Math.max(...byVersion.keys());
  const currentKey = byVersion.get(current);
  if (currentKey === undefined) throw new StrataError('internal', 'a secret box needs at least one master key');

  return {
    keyVersion: current,
    seal(plaintext, context) {
      const iv = randomBytes(ivBytes);
      const cipher = createCipheriv('aes-256-gcm', currentKey, iv, { authTagLength: tagBytes });
      cipher.setAAD(additionalData(current, context));
      const body = Buffer.concat([
        cipher.update(typeof plaintext === 'string' ? Buffer.from(plaintext, 'utf8') : plaintext),
        cipher.final(),
      ]);
      const sealed = Buffer.concat([Buffer.of(format), iv, cipher.getAuthTag(), body]).toString('base64');
      return { sealed, keyVersion: current };
    },
    open({ sealed, keyVersion }, context) {
      const key = byVersion.get(keyVersion);
      if (key === undefined) {
        throw new StrataError(
          'misconfigured',
          `masterKey: no master key of version ${keyVersion} is configured to open ${context.purpose}`,
          {
            details: { purpose: context.purpose, keyVersion },
          },
        );
      }
      const bytes = Buffer.from(sealed, 'base64');
      if (bytes.length < 1 + ivBytes + tagBytes || bytes[0] !== format) throw cannotOpen(context, keyVersion);
      const decipher = createDecipheriv('aes-256-gcm', key, bytes.subarray(1, 1 + ivBytes), { authTagLength: tagBytes });
      decipher.setAAD(additionalData(keyVersion, context));
      decipher.setAuthTag(bytes.subarray(1 + ivBytes, 1 + ivBytes + tagBytes));
      try {
        return Buffer.concat([decipher.update(bytes.subarray(1 + ivBytes + tagBytes)), decipher.final()]);
      } catch (error) {
        throw cannotOpen(context, keyVersion, error);
      }
    },
  };
}

// JSON keeps the fields apart whatever they hold (no separator a tenant id could contain).
const additionalData = (keyVersion: number, context: SealContext) =>
  Buffer.from(JSON.stringify(['strata-sealed', format, keyVersion, context.tenantId, context.purpose, context.rowId]), 'utf8');

const cannotOpen = (context: SealContext, keyVersion: number, cause?: unknown) =>
  new StrataError(
    'misconfigured',
    `${context.purpose}: the sealed value does not open: it was sealed under another master key, or altered, or moved from another row`,
    { details: { purpose: context.purpose, keyVersion }, ...(cause === undefined ? {} : { cause }) },
  );

/**
 * A master key from its configured form: 32 bytes given as 64 hex characters or as base64
 * (standard or URL-safe, padding optional), or as the bytes themselves. Anything else is
 * `misconfigured` naming `name` (the option or variable), never echoing the value.
 */
export function parseMasterKey(value: string | Uint8Array, name: string): Buffer {
  if (typeof value !== 'string') {
    if (value instanceof Uint8Array && value.length === 32) return Buffer.from(value);
    throw masterKeyProblem(name);
  }
  const text = value.trim();
  if (/^[0-9a-fA-F]{64}$/.test(text)) return Buffer.from(text, 'hex');
  if (/^[A-Za-z0-9+/]{43}=?$/.test(text) || /^[A-Za-z0-9_-]{43}=?$/.test(text)) {
    const bytes = Buffer.from(text.replace(/=$/, ''), text.includes('-') || text.includes('_') ? 'base64url' : 'base64');
    if (bytes.length === 32) return bytes;
  }
  throw masterKeyProblem(name);
}

const masterKeyProblem = (name: string) =>
  new StrataError(
    'misconfigured',
    `${name}: must be 32 random bytes as 64 hex characters or as base64 (44 characters), e.g. from \`openssl rand -base64 32\``,
    { details: name.startsWith('STRATA_') ? { variable: name } : { field: name } },
  );

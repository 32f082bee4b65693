import { randomBytes } from 'node:crypto';
import { invalidInput } from './errors.ts';

/**
 * Letters, digits and `._:|-`, 1–255 characters: tenant, client, user, agent and conversation ids.
 * Not `.` or `..`: every URL parser resolves those as path segments, so such an id could never be
 * named in a route (`/v1/agents/..` is `/v1/`).
 */
export const opaqueIdPattern = /^(?!\.\.?$)[A-Za-z0-9._:|-]{1,255}$/;

/** What {@link opaqueIdPattern} asks for, as an error message. */
export const opaqueIdRule = 'must be 1-255 characters of letters, digits and . _ : | -, and not . or ..';

/**
 * Checks an opaque id (tenant, client, user, agent, conversation) and returns it unchanged.
 * Anything outside `[A-Za-z0-9._:|-]{1,255}` (whitespace, `*`, `%`, `/`, quotes, Unicode), and
 * `.` or `..`, is `invalid_input` naming `field`, so ids can never act as patterns, need escaping
 * or be resolved away in a URL.
 */
export function parseOpaqueId(field: string, value: unknown): string {
  if (typeof value !== 'string') throw invalidInput(field, 'must be a string');
  if (!opaqueIdPattern.test(value)) {
    throw invalidInput(field, opaqueIdRule);
  }
  return value;
}

/** True when `value` is a syntactically valid opaque id. */
export function isOpaqueId(value: unknown): value is string {
  return typeof value === 'string' && opaqueIdPattern.test(value);
}

const uuidPattern = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

/** True when `value` is a lowercase UUID string (the form Strata issues). */
export function isUuid(value: unknown): value is string {
  return typeof value === 'string' && uuidPattern.test(value);
}

/** Generates record ids. Injected so tests can make ids deterministic. */
export type IdGenerator = () => string;

/**
 * UUIDv7: a millisecond timestamp followed by random bits, so ids sort by creation time and
 * serve directly as pagination cursors.
 */
export function createUuidV7Generator(now: () => number = Date.now): IdGenerator {
  let lastMs = 0;
  let sequence = 0;
  return () => {
    let ms = now();
    // Monotonic within a process: ids created in the same millisecond still sort in order.
    if (ms <= lastMs) {
      ms = lastMs;
      sequence += 1;
    } else {
      lastMs = ms;
      sequence = 0;
    }
    const bytes = randomBytes(16);
    bytes.writeUIntBE(ms, 0, 6);
    bytes[6] = 0x70 | ((sequence >> 8) & 0x0f);
    bytes[7] = sequence & 0xff;
    bytes[8] = 0x80 | ((bytes[8] ?? 0) & 0x3f);
    const hex = bytes.toString('hex');
    return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
  };
}

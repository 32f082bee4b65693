import { z } from 'zod';
import { invalidInput, StrataError } from './errors.ts';
import { isPlainObject, type MetadataFilter, parseMetadataFilter } from './filter.ts';
import { opaqueIdPattern, opaqueIdRule } from './ids.ts';
import { roles } from './scope.ts';
import type { Json } from './types.ts';

/** Size bounds on stored content; they keep one request from exhausting the store. */
export const inputLimits = {
  contentLength: 1_000_000,
  metadataBytes: 16_384,
  metadataDepth: 5,
  metadataKeys: 64,
  batchSize: 500,
  listLimit: 200,
  searchLimit: 100,
  queryLength: 10_000,
  /** One collection document as JSON, whatever the plan allows. */
  documentBytes: 1_048_576,
  documentDepth: 32,
} as const;

/** An update must set at least one field; a key present with an undefined value sets nothing. */
export const changesSomething = (patch: Record<string, unknown>) => Object.values(patch).some((value) => value !== undefined);

/**
 * Parses `value` with `schema`; the first problem becomes `invalid_input` naming the field
 * path (e.g. `metadata.tags`, or `items.3.content` with prefix `items.3`), so a rejected call
 * changes nothing. A problem with the value as a whole is named `prefix`, or `input`.
 */
export function parseInput<T>(schema: z.ZodType<T>, value: unknown, prefix = ''): T {
  const result = schema.safeParse(value);
  if (result.success) return result.data;
  const issue = result.error.issues[0];
  // An unknown key is named itself, so `details.field` points at what to remove.
  const unknownKey = issue?.code === 'unrecognized_keys' ? issue.keys[0] : undefined;
  const parts = [prefix, ...(issue?.path ?? []).map(String), ...(unknownKey === undefined ? [] : [unknownKey])];
  const path = parts.filter((part) => part.length > 0).join('.');
  throw invalidInput(path || 'input', unknownKey === undefined ? (issue?.message ?? 'is invalid') : 'is not a known field');
}

export const wellFormedText = (field: string) =>
  z
    .string()
    .refine((text) => !text.includes('\u0000'), `${field} must not contain NUL characters`)
    .refine((text) => text.isWellFormed(), `${field} must be well-formed Unicode (no lone surrogates)`);

/** An opaque id: letters, digits and `._:|-`, 1–255 characters, not `.` or `..`. */
export const opaqueId = z.string().regex(opaqueIdPattern, opaqueIdRule);

/** PostgreSQL has no year 0 (1 BC is year 1 BC): refuse it here, not as a database error. */
export const notYearZero = (text: string) => !text.startsWith('0000');

export const isoTimestamp = z.iso.datetime({ offset: true }).refine(notYearZero, 'year 0000 does not exist; the earliest is 0001');

/** A model's name as its server knows it (`gpt-4o-mini`, `llama3.2:3b`, `meta-llama/Llama-3.1-8B-Instruct`). */
export const modelName = z.string().regex(/^[\x21-\x7e]{1,200}$/, 'must be a model name: 1-200 printable ASCII characters, no spaces');

export const documentType = z
  .string()
  .regex(/^[a-z][a-z0-9-]{0,63}$/, 'must be a lowercase name of letters, digits and -, up to 64 characters');

/** Metadata: a JSON object within size, depth and key-count bounds, with well-formed strings. */
export const metadataSchema = z.record(z.string(), z.unknown()).superRefine((metadata, context) => {
  const problem = metadataProblem(metadata);
  if (problem !== null) context.addIssue({ code: 'custom', message: problem });
}) as unknown as z.ZodType<Record<string, Json>, Record<string, Json>>;

function metadataProblem(metadata: Record<string, unknown>): string | null {
  if (Object.keys(metadata).length > inputLimits.metadataKeys) return `at most ${inputLimits.metadataKeys} keys`;
  // Values and depth first, without recursion: a value nested thousands of levels deep must be
  // refused before anything recursive (JSON.stringify below) walks it.
  const problem = jsonProblem(metadata, inputLimits.metadataDepth);
  if (problem !== null) return problem;
  if (Buffer.byteLength(JSON.stringify(metadata)) > inputLimits.metadataBytes) return `at most ${inputLimits.metadataBytes} bytes as JSON`;
  return null;
}

/** The first reason `root` is not bounded, well-formed JSON, walking it with an explicit stack. */
function jsonProblem(root: unknown, maxDepth: number): string | null {
  const stack: Array<[unknown, number]> = [[root, 1]];
  for (let entry = stack.pop(); entry !== undefined; entry = stack.pop()) {
    const [value, depth] = entry;
    if (value === null || typeof value === 'boolean') continue;
    if (typeof value === 'number') {
      if (!Number.isFinite(value)) return 'numbers must be finite';
      continue;
    }
    if (typeof value === 'string') {
      if (value.includes('\u0000')) return 'strings must not contain NUL characters';
      if (!value.isWellFormed()) return 'strings must be well-formed Unicode';
      continue;
    }
    if (depth > maxDepth) return `nested at most ${maxDepth} levels deep`;
    // A JSON key `__proto__` would not survive as data (parsers and object copies treat it as the prototype).
    if (isPlainObject(value) && Object.hasOwn(value, '__proto__')) return 'a key named __proto__ is not accepted';
    const children = Array.isArray(value) ? value : isPlainObject(value) ? Object.entries(value).flat() : null;
    if (children === null) return 'values must be JSON';
    for (const child of children) stack.push([child, depth + 1]);
  }
  return null;
}

/** A collection document: a JSON object of bounded depth and size, with well-formed strings. */
export const documentBodySchema = z.record(z.string(), z.unknown()).superRefine((document, context) => {
  const problem =
    jsonProblem(document, inputLimits.documentDepth) ??
    (Buffer.byteLength(JSON.stringify(document)) > inputLimits.documentBytes ? `at most ${inputLimits.documentBytes} bytes as JSON` : null);
  if (problem !== null) context.addIssue({ code: 'custom', message: problem });
}) as unknown as z.ZodType<Record<string, Json>, Record<string, Json>>;

export const filterSchema = z.unknown().superRefine((filter, context) => {
  try {
    parseMetadataFilter(filter, '');
  } catch (error) {
    // The filter parser names the offending key and operator; keep that as the issue path.
    const field = error instanceof StrataError ? String(error.details.field ?? '') : '';
    const message = error instanceof Error ? error.message.slice(field.length + 2) : 'invalid filter';
    context.addIssue({ code: 'custom', message, path: field.split('.').filter((part) => part.length > 0) });
  }
}) as unknown as z.ZodType<MetadataFilter, MetadataFilter>;

export const limitSchema = (maximum: number) => z.number().int().min(1).max(maximum);

export const cursorSchema = z.string().max(512);

/** Paging for tenant and user listings. */
export const pageSchema = z.strictObject({
  limit: limitSchema(inputLimits.listLimit).optional(),
  cursor: cursorSchema.optional(),
  clientId: opaqueId.optional(),
});

export const userRole = z.enum(roles.filter((role) => role !== 'platform' && role !== 'client_admin') as ['admin', 'member', 'reader']);

/** A calendar day, `YYYY-MM-DD`, that exists (no 2025-02-30). */
export const daySchema = z
  .string()
  .regex(/^\d{4}-\d{2}-\d{2}$/, 'must be a date as YYYY-MM-DD')
  .refine((day) => {
    const time = Date.parse(`${day}T00:00:00Z`);
    return !Number.isNaN(time) && new Date(time).toISOString().slice(0, 10) === day && notYearZero(day);
  }, 'is not a real calendar day');

// One string schema (not a union), so the query string carries it as text, not JSON.
export const dayOrTime = z
  .string()
  .refine(
    (value) => daySchema.safeParse(value).success || isoTimestamp.safeParse(value).success,
    'must be a date (YYYY-MM-DD) or an ISO time with offset',
  );

/** A UUID in its canonical lowercase text form (ids in export files). */
export const uuidText = z.string().regex(/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/, 'must be a UUID');

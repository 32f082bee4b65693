import { z } from 'zod';
import { invalidInput, StrataError } from './errors.ts';
import { isPlainObject, type MetadataFilter, parseMetadataFilter } from './filter.ts';
import { opaqueIdPattern } from './ids.ts';
import { limitOverridesSchema } from './plans.ts';
import { roles, scopes } from './scope.ts';
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
} as const;

/** An update must set at least one field; a key present with an undefined value sets nothing. */
const changesSomething = (patch: Record<string, unknown>) => Object.values(patch).some((value) => value !== undefined);

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

const wellFormedText = (field: string) =>
  z
    .string()
    .refine((text) => !text.includes('\u0000'), `${field} must not contain NUL characters`)
    .refine((text) => text.isWellFormed(), `${field} must be well-formed Unicode (no lone surrogates)`);

/** An opaque id: letters, digits and `._:|-`, 1–255 characters. */
export const opaqueId = z.string().regex(opaqueIdPattern, 'must be 1-255 characters of letters, digits and . _ : | -');

/** PostgreSQL has no year 0 (1 BC is year 1 BC): refuse it here, not as a database error. */
const notYearZero = (text: string) => !text.startsWith('0000');
const isoTimestamp = z.iso.datetime({ offset: true }).refine(notYearZero, 'year 0000 does not exist; the earliest is 0001');
const documentType = z.string().regex(/^[a-z][a-z0-9-]{0,63}$/, 'must be a lowercase name of letters, digits and -, up to 64 characters');

/** Metadata: a JSON object within size, depth and key-count bounds, with well-formed strings. */
export const metadataSchema = z.record(z.string(), z.unknown()).superRefine((metadata, context) => {
  const problem = metadataProblem(metadata);
  if (problem !== null) context.addIssue({ code: 'custom', message: problem });
}) as unknown as z.ZodType<Record<string, Json>>;

function metadataProblem(metadata: Record<string, unknown>): string | null {
  if (Object.keys(metadata).length > inputLimits.metadataKeys) return `at most ${inputLimits.metadataKeys} keys`;
  // Values and depth first, without recursion: a value nested thousands of levels deep must be
  // refused before anything recursive (JSON.stringify below) walks it.
  const problem = jsonProblem(metadata);
  if (problem !== null) return problem;
  if (Buffer.byteLength(JSON.stringify(metadata)) > inputLimits.metadataBytes) return `at most ${inputLimits.metadataBytes} bytes as JSON`;
  return null;
}

/** The first reason `root` is not bounded, well-formed JSON, walking it with an explicit stack. */
function jsonProblem(root: unknown): string | null {
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
    if (depth > inputLimits.metadataDepth) return `nested at most ${inputLimits.metadataDepth} levels deep`;
    const children = Array.isArray(value) ? value : isPlainObject(value) ? Object.entries(value).flat() : null;
    if (children === null) return 'values must be JSON';
    for (const child of children) stack.push([child, depth + 1]);
  }
  return null;
}

const filterSchema = z.unknown().superRefine((filter, context) => {
  try {
    parseMetadataFilter(filter, '');
  } catch (error) {
    // The filter parser names the offending key and operator; keep that as the issue path.
    const field = error instanceof StrataError ? String(error.details.field ?? '') : '';
    const message = error instanceof Error ? error.message.slice(field.length + 2) : 'invalid filter';
    context.addIssue({ code: 'custom', message, path: field.split('.').filter((part) => part.length > 0) });
  }
}) as unknown as z.ZodType<MetadataFilter>;

/** Input to `memories.create`. */
export const createMemorySchema = z.strictObject({
  content: wellFormedText('content').min(1, 'must not be empty').max(inputLimits.contentLength),
  scope: z.enum(scopes).optional(),
  documentType: documentType.optional(),
  metadata: metadataSchema.optional(),
  agentId: opaqueId.optional(),
  conversationId: opaqueId.optional(),
  expiresAt: isoTimestamp.optional(),
  ttlSeconds: z
    .number()
    .int()
    .positive()
    .max(100 * 365 * 86_400)
    .optional(),
});

/** Input to `memories.update`. */
export const updateMemorySchema = z
  .strictObject({
    content: wellFormedText('content').min(1, 'must not be empty').max(inputLimits.contentLength).optional(),
    documentType: documentType.optional(),
    metadata: metadataSchema.optional(),
    expiresAt: isoTimestamp.nullable().optional(),
  })
  .refine(changesSomething, 'must change at least one field');

const limitSchema = (maximum: number) => z.number().int().min(1).max(maximum);
const cursorSchema = z.string().max(512);

/** Input to `memories.list`. */
export const listMemoriesSchema = z.strictObject({
  scope: z.enum(scopes).optional(),
  documentType: documentType.optional(),
  agentId: opaqueId.optional(),
  conversationId: opaqueId.optional(),
  filter: filterSchema.optional(),
  createdAfter: isoTimestamp.optional(),
  createdBefore: isoTimestamp.optional(),
  limit: limitSchema(inputLimits.listLimit).optional(),
  cursor: cursorSchema.optional(),
});

const searchFields = {
  query: wellFormedText('query').min(1, 'must not be empty').max(inputLimits.queryLength),
  mode: z.enum(['vector', 'keyword', 'hybrid']).optional(),
  limit: limitSchema(inputLimits.searchLimit).optional(),
  scopes: z.array(z.enum(scopes)).min(1).max(4).optional(),
  documentType: documentType.optional(),
  agentId: opaqueId.optional(),
  conversationId: opaqueId.optional(),
};

/** Input to `search`. */
export const searchSchema = z.strictObject({ ...searchFields, filter: filterSchema.optional() });

/** Input to `context`. */
export const contextSchema = z.strictObject({
  ...searchFields,
  tokenBudget: z.number().int().min(1).max(200_000).optional(),
  recentTurns: z.number().int().min(0).max(200).optional(),
});

const settingsSchema = metadataSchema;

/** Input to `tenants.create`. */
export const createTenantSchema = z.strictObject({
  id: opaqueId,
  clientId: opaqueId.optional(),
  name: z.string().max(255).optional(),
  plan: z
    .string()
    .regex(/^[a-z][a-z0-9-]{0,63}$/)
    .optional(),
  settings: settingsSchema.optional(),
  limits: limitOverridesSchema.optional(),
});

/** Input to `tenants.update`. */
export const updateTenantSchema = z
  .strictObject({
    name: z.string().max(255).nullable().optional(),
    plan: z
      .string()
      .regex(/^[a-z][a-z0-9-]{0,63}$/)
      .optional(),
    settings: settingsSchema.optional(),
    limits: limitOverridesSchema.optional(),
    status: z.enum(['active', 'suspended']).optional(),
  })
  .refine(changesSomething, 'must change at least one field');

/** Paging for tenant and user listings. */
export const pageSchema = z.strictObject({
  limit: limitSchema(inputLimits.listLimit).optional(),
  cursor: cursorSchema.optional(),
  clientId: opaqueId.optional(),
});

const userRole = z.enum(roles.filter((role) => role !== 'platform' && role !== 'client_admin') as ['admin', 'member', 'reader']);

/** Input to `users.create`. */
export const createUserSchema = z.strictObject({
  id: opaqueId,
  role: userRole.optional(),
  metadata: metadataSchema.optional(),
});

/** Input to `users.update`. */
export const updateUserSchema = z
  .strictObject({ role: userRole.optional(), metadata: metadataSchema.optional() })
  .refine(changesSomething, 'must change at least one field');

/** Input to `keys.create`. */
export const createApiKeySchema = z
  .strictObject({
    role: z.enum(roles).optional(),
    tenantId: opaqueId.optional(),
    userId: opaqueId.optional(),
    clientId: opaqueId.optional(),
    name: z.string().max(255).optional(),
    expiresAt: isoTimestamp.optional(),
    ttlSeconds: z
      .number()
      .int()
      .positive()
      .max(10 * 365 * 86_400)
      .optional(),
  })
  .refine((input) => input.expiresAt === undefined || input.ttlSeconds === undefined, 'give expiresAt or ttlSeconds, not both');

/** Input to `keys.list`. */
export const listApiKeysSchema = z.strictObject({
  tenantId: opaqueId.optional(),
  limit: limitSchema(inputLimits.listLimit).optional(),
  cursor: cursorSchema.optional(),
});

/** Options of `keys.rotate`. */
export const rotateApiKeySchema = z.strictObject({
  overlapSeconds: z
    .number()
    .int()
    .min(0)
    .max(30 * 86_400)
    .optional(),
});

/** Options of `keys.register`. */
export const registerApiKeySchema = z.strictObject({ name: z.string().max(255).optional() });

/** Options of `maintenance.reembed` (besides the progress callback). */
export const reembedOptionsSchema = z.strictObject({ batchSize: z.number().int().min(1).max(10_000).optional() });

/** A calendar day, `YYYY-MM-DD`, that exists (no 2025-02-30). */
export const daySchema = z
  .string()
  .regex(/^\d{4}-\d{2}-\d{2}$/, 'must be a date as YYYY-MM-DD')
  .refine((day) => {
    const time = Date.parse(`${day}T00:00:00Z`);
    return !Number.isNaN(time) && new Date(time).toISOString().slice(0, 10) === day && notYearZero(day);
  }, 'is not a real calendar day');

/** Input to `usage.report`. */
export const usageReportSchema = z.strictObject({
  from: daySchema.optional(),
  to: daySchema.optional(),
  tenantId: opaqueId.optional(),
});

// One string schema (not a union), so the query string carries it as text, not JSON.
const dayOrTime = z
  .string()
  .refine(
    (value) => daySchema.safeParse(value).success || isoTimestamp.safeParse(value).success,
    'must be a date (YYYY-MM-DD) or an ISO time with offset',
  );

/** Input to `audit.list`: a day (`YYYY-MM-DD`, whole day) or an ISO time bounds the range. */
export const listAuditSchema = z.strictObject({
  tenantId: opaqueId.optional(),
  from: dayOrTime.optional(),
  to: dayOrTime.optional(),
  actor: opaqueId.optional(),
  action: z
    .string()
    .regex(/^[A-Za-z0-9_.-]{1,100}\*?$/, 'must be an action name (memories.create) or a prefix (memories. or memories.*)')
    .optional(),
  outcome: z.enum(['ok', 'error']).optional(),
  limit: limitSchema(inputLimits.listLimit).optional(),
  cursor: cursorSchema.optional(),
});

/** Input to `audit.verify`. */
export const verifyAuditSchema = z.strictObject({ tenantId: opaqueId.optional() });

// ---- Tenant export and import (JSON lines). Each line of a file is one of these records. ----

const uuidText = z.string().regex(/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/, 'must be a UUID');
const exportCount = z.number().int().min(0);

/** The first line of an export: what wrote it, and the embedding model its vectors come from. */
export const exportHeaderSchema = z.strictObject({
  type: z.literal('strata-export'),
  version: z.literal(1, 'must be 1 (the only export format this version reads)'),
  tenantId: opaqueId,
  exportedAt: isoTimestamp,
  embeddingModel: z.string().min(1).max(255),
  dimensions: z.number().int().min(1).max(16_000),
});

/** Every record an export holds between its header and its trailer, and the trailer itself. */
export const exportRecordSchema = z.discriminatedUnion('type', [
  z.strictObject({
    type: z.literal('tenant'),
    id: opaqueId,
    clientId: opaqueId,
    name: z.string().max(255).nullable(),
    plan: z.string().min(1).max(64),
    status: z.string().max(32),
    settings: metadataSchema,
    limits: limitOverridesSchema,
    createdAt: isoTimestamp,
    updatedAt: isoTimestamp,
  }),
  z.strictObject({
    type: z.literal('usage'),
    memoryCount: exportCount,
    searchableCount: exportCount,
    contentBytes: exportCount,
    userCount: exportCount,
  }),
  z.strictObject({ type: z.literal('user'), id: opaqueId, role: userRole, metadata: metadataSchema, createdAt: isoTimestamp }),
  z.strictObject({
    type: z.literal('memory'),
    id: uuidText,
    kind: z.enum(['memory', 'document', 'chunk']),
    parentId: uuidText.nullable(),
    chunkIndex: exportCount,
    chunkCount: z.number().int().min(1),
    scope: z.enum(['customer', 'user']),
    userId: opaqueId.nullable(),
    documentType,
    content: wellFormedText('content').max(inputLimits.contentLength),
    contentHash: z.string().max(128),
    metadata: metadataSchema,
    agentId: opaqueId.nullable(),
    conversationId: opaqueId.nullable(),
    version: z.number().int().min(1),
    embedding: z.array(z.number()).nullable(),
    embeddingModel: z.string().min(1).max(255),
    createdAt: isoTimestamp,
    updatedAt: isoTimestamp,
    expiresAt: isoTimestamp.nullable(),
  }),
  z.strictObject({
    type: z.literal('history'),
    memoryId: uuidText,
    version: z.number().int().min(1),
    userId: opaqueId.nullable(),
    documentType,
    content: wellFormedText('content').max(inputLimits.contentLength),
    metadata: metadataSchema,
    replacedAt: isoTimestamp,
  }),
  z.strictObject({
    type: z.literal('usage_daily'),
    day: daySchema,
    operation: z.string().min(1).max(100),
    model: z.string().max(255),
    calls: exportCount,
    errors: exportCount,
    embeddingTokens: exportCount,
    llmTokens: exportCount,
  }),
  z.strictObject({ type: z.literal('storage_daily'), day: daySchema, memories: exportCount, bytes: exportCount }),
  z.strictObject({
    type: z.literal('notice'),
    notice: z.string().min(1).max(100),
    period: z.string().min(1).max(64),
    createdAt: isoTimestamp,
  }),
  z.strictObject({
    type: z.literal('api_key'),
    id: uuidText,
    role: userRole,
    userId: opaqueId.nullable(),
    name: z.string().max(255).nullable(),
    prefix: z.string().max(64),
    createdAt: isoTimestamp,
    expiresAt: isoTimestamp.nullable(),
    revokedAt: isoTimestamp.nullable(),
  }),
  z.strictObject({
    type: z.literal('webhook'),
    id: uuidText,
    url: z.string().max(2048),
    events: z.array(z.string().max(100)),
    description: z.string().max(1000).nullable(),
    active: z.boolean(),
    createdAt: isoTimestamp,
  }),
  z.strictObject({
    type: z.literal('audit'),
    seq: exportCount,
    at: isoTimestamp,
    actorRole: z.string().max(32),
    actorClient: z.string().max(255).nullable(),
    actorUser: z.string().max(255).nullable(),
    keyId: z.string().max(255).nullable(),
    action: z.string().max(100),
    targetIds: z.array(z.string().max(255)),
    outcome: z.enum(['ok', 'error']),
    errorCode: z.string().max(64).nullable(),
    requestId: z.string().max(128).nullable(),
    prevHash: z.string().max(128),
    hash: z.string().max(128),
  }),
  z.strictObject({ type: z.literal('strata-export-end'), counts: z.record(z.string(), exportCount) }),
]);

/** Options of `exports.import`. */
export const importOptionsSchema = z.strictObject({
  clientId: opaqueId.optional(),
  batchSize: z.number().int().min(1).max(5_000).optional(),
});

/** Options of `exports.export`. */
export const exportOptionsSchema = z.strictObject({ batchSize: z.number().int().min(1).max(5_000).optional() });

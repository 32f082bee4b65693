import { z } from 'zod';
import { actingHeaders } from '../api/headers.ts';
import { type HttpOperation as Operation, httpOperations as operations, responseSchemas } from '../api/registry.ts';
import { httpStatusByCode } from '../core/errors.ts';

type JsonObject = Record<string, unknown>;

const toJsonSchema = (schema: z.ZodType): JsonObject => {
  const { $schema: _dialect, ...rest } = z.toJSONSchema(schema, { io: 'input', unrepresentable: 'any' }) as JsonObject;
  return rest;
};

const problemSchema = {
  type: 'object',
  description: 'RFC 9457 problem details with Strata’s stable error code.',
  required: ['type', 'title', 'status', 'detail', 'code', 'requestId'],
  properties: {
    type: { type: 'string' },
    title: { type: 'string' },
    status: { type: 'integer' },
    detail: { type: 'string', description: 'Names the offending field or limit.' },
    code: { type: 'string', enum: Object.keys(httpStatusByCode) },
    requestId: { type: 'string' },
    details: { type: 'object' },
  },
};

const actingParameters = [
  { name: actingHeaders.tenant, description: 'Act inside this tenant (operator and client admin keys).' },
  { name: actingHeaders.user, description: 'Act as this user (operator, client admin and customer admin keys).' },
  { name: actingHeaders.role, description: 'Act with a lower role than the key’s.' },
].map((header) => ({ in: 'header', required: false, schema: { type: 'string' }, ...header }));

function responseSchema(operation: Operation): JsonObject {
  const schema = responseSchemas[operation.name];
  if (schema === undefined) throw new Error(`operation ${operation.name} has no response schema`);
  const { $schema: _dialect, ...rest } = z.toJSONSchema(schema, { io: 'output' }) as JsonObject;
  return rest;
}

function parameters(operation: Operation): JsonObject[] {
  const result: JsonObject[] = [];
  for (const match of operation.path.matchAll(/\{(\w+)\}/g)) {
    result.push({ name: match[1], in: 'path', required: true, schema: { type: 'string' } });
  }
  if (operation.query !== undefined) {
    const schema = toJsonSchema(operation.query) as { properties?: Record<string, JsonObject> };
    for (const [name, property] of Object.entries(schema.properties ?? {})) {
      const json = property.type !== 'string' && !('enum' in property);
      result.push({
        name,
        in: 'query',
        required: false,
        ...(json ? { content: { 'application/json': { schema: property } } } : { schema: property }),
      });
    }
  }
  for (const place of operation.args) {
    if (place.in === 'header') result.push({ name: place.name, in: 'header', required: false, schema: { type: 'string', maxLength: 255 } });
  }
  return [...result, ...actingParameters];
}

function describe(operation: Operation): JsonObject {
  const errors = problemResponses();
  return {
    operationId: operation.name,
    summary: operation.summary,
    tags: [operation.tag],
    parameters: parameters(operation),
    ...(operation.body === undefined
      ? {}
      : { requestBody: { required: true, content: { 'application/json': { schema: toJsonSchema(operation.body) } } } }),
    responses: {
      [String(operation.status)]: { description: 'Success', content: { 'application/json': { schema: responseSchema(operation) } } },
      ...errors,
    },
  };
}

const problemResponses = (): JsonObject =>
  Object.fromEntries(
    [...new Set(Object.values(httpStatusByCode))].map((status) => [
      String(status),
      { description: 'Problem', content: { 'application/problem+json': { schema: { $ref: '#/components/schemas/Problem' } } } },
    ]),
  );

const tenantIdParameter = { name: 'id', in: 'path', required: true, schema: { type: 'string' } };
const batchSizeParameter = { name: 'batchSize', in: 'query', required: false, schema: { type: 'integer', minimum: 1, maximum: 10_000 } };
const jsonLines = {
  schema: { type: 'string', description: 'JSON lines: a strata-export header, the tenant, its records, a trailer with counts.' },
};

/** The streaming routes outside the JSON operation table (`export-routes.ts`). */
const streamingPaths: Record<string, JsonObject> = {
  '/v1/tenants/{id}/export': {
    get: {
      operationId: 'exports.export',
      summary: 'Export a tenant as JSON lines (streamed; a cut-short body has no trailer)',
      tags: ['exports'],
      parameters: [tenantIdParameter, batchSizeParameter, ...actingParameters],
      responses: { '200': { description: 'Success', content: { 'application/x-ndjson': jsonLines } }, ...problemResponses() },
    },
  },
  '/v1/tenants/{id}/import': {
    post: {
      operationId: 'exports.import',
      summary: 'Create a tenant from an export (the body is read line by line as it arrives)',
      tags: ['exports'],
      parameters: [
        tenantIdParameter,
        batchSizeParameter,
        { name: 'clientId', in: 'query', required: false, schema: { type: 'string' } },
        ...actingParameters,
      ],
      requestBody: { required: true, content: { 'application/x-ndjson': jsonLines, 'application/jsonl': jsonLines } },
      responses: {
        '201': {
          description: 'Success: the import report',
          content: {
            'application/json': {
              schema: {
                type: 'object',
                required: ['tenantId', 'sourceTenantId', 'counts', 'imported'],
                properties: {
                  tenantId: { type: 'string' },
                  sourceTenantId: { type: 'string' },
                  counts: { type: 'object', additionalProperties: { type: 'integer' } },
                  imported: { type: 'object', additionalProperties: { type: 'integer' } },
                },
              },
            },
          },
        },
        ...problemResponses(),
      },
    },
  },
};

/** The OpenAPI 3.1 document of API v1, generated from the schemas that validate requests. */
export function buildOpenApiDocument(): JsonObject {
  const paths: Record<string, JsonObject> = { ...streamingPaths };
  for (const operation of operations) {
    paths[operation.path] = { ...paths[operation.path], [operation.method.toLowerCase()]: describe(operation) };
  }
  return {
    openapi: '3.1.0',
    info: {
      title: 'Strata API',
      version: '1',
      description: 'Multi-tenant memory and knowledge service. The tenant and user of every call come from the API key.',
    },
    servers: [{ url: '/' }],
    security: [{ apiKey: [] }],
    components: {
      securitySchemes: { apiKey: { type: 'http', scheme: 'bearer', description: 'A Strata API key: sk_<kind>_…' } },
      schemas: { Problem: problemSchema },
    },
    paths,
  };
}

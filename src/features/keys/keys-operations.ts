import { pageOf } from '../../core/entities.ts';
import { defineOperations } from '../../core/operation.ts';
import { body, idParam, query } from '../../core/operation-arguments.ts';
import { apiKeySchema, createApiKeySchema, createdKeySchema, listApiKeysSchema, rotateApiKeySchema } from './keys-schemas.ts';

/** The keys operations. */
export const keysOperations = defineOperations('keys', 'keys', {
  create: {
    summary: 'Create an API key (the secret is shown once)',
    http: { method: 'POST', path: '/v1/keys', args: [body], status: 201, body: createApiKeySchema },
    response: createdKeySchema,
    permission: 'keys.manage',
  },
  list: {
    summary: 'List API keys (never secrets)',
    http: { method: 'GET', path: '/v1/keys', args: [query], status: 200, query: listApiKeysSchema },
    response: pageOf(apiKeySchema),
    permission: 'keys.manage',
  },
  get: {
    summary: 'Get an API key',
    http: { method: 'GET', path: '/v1/keys/{id}', args: [idParam()], status: 200 },
    response: apiKeySchema,
    permission: 'keys.manage',
  },
  revoke: {
    summary: 'Revoke an API key at once',
    http: { method: 'DELETE', path: '/v1/keys/{id}', args: [idParam()], status: 200 },
    response: apiKeySchema,
    permission: 'keys.manage',
  },
  rotate: {
    summary: 'Replace an API key; the old one works until the overlap ends',
    http: { method: 'POST', path: '/v1/keys/{id}/rotate', args: [idParam(), body], status: 201, body: rotateApiKeySchema },
    response: createdKeySchema,
    permission: 'keys.manage',
  },
  register: {
    summary: 'Register an operator key from its secret (the CLI does this for STRATA_ADMIN_KEY)',
    permission: 'keys.manage',
  },
  authenticate: { summary: 'Resolve an API key secret to its identity (the server does this per request)', plumbing: true },
});

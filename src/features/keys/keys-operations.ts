import { pageOf } from '../../core/entities.ts';
import { defineOperations } from '../../core/operation.ts';
import { body, idParam, query, route } from '../../core/operation-arguments.ts';
import { apiKeySchema, createApiKeySchema, createdKeySchema, listApiKeysSchema, rotateApiKeySchema } from './keys-schemas.ts';

/** The keys operations. */
export const keysOperations = defineOperations(
  'keys',
  'keys',
  { permission: 'keys.manage' },
  {
    create: {
      summary: 'Create an API key (the secret is shown once)',
      http: route('POST', '/v1/keys', [body], { status: 201, body: createApiKeySchema }),
      response: createdKeySchema,
    },
    list: {
      summary: 'List API keys (never secrets)',
      http: route('GET', '/v1/keys', [query], { query: listApiKeysSchema }),
      response: pageOf(apiKeySchema),
    },
    get: { summary: 'Get an API key', http: route('GET', '/v1/keys/{id}', [idParam()]), response: apiKeySchema },
    revoke: { summary: 'Revoke an API key at once', http: route('DELETE', '/v1/keys/{id}', [idParam()]), response: apiKeySchema },
    rotate: {
      summary: 'Replace an API key; the old one works until the overlap ends',
      http: route('POST', '/v1/keys/{id}/rotate', [idParam(), body], { status: 201, body: rotateApiKeySchema }),
      response: createdKeySchema,
    },
    register: { summary: 'Register an operator key from its secret (the CLI does this for STRATA_ADMIN_KEY)' },
    authenticate: { summary: 'Resolve an API key secret to its identity (the server does this per request)', plumbing: true },
  },
);

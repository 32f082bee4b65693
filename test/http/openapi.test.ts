import { Validator } from '@seriousme/openapi-schema-validator';
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { Strata } from '../../src/index.ts';
import { createServer } from '../../src/server/index.ts';
import { buildOpenApiDocument } from '../../src/server/openapi.ts';
import { storeTargets } from '../support/stores.ts';

// The whole /openapi.json document checked by a third-party OpenAPI 3.1 validator, and each
// documented path and method served by the real router.

const document = buildOpenApiDocument() as { paths: Record<string, Record<string, unknown>> };

it('is a valid OpenAPI 3.1 document (zero errors from @seriousme/openapi-schema-validator)', async () => {
  const validator = new Validator();
  const result = await validator.validate(structuredClone(document) as never);
  expect(result.errors ?? []).toEqual([]);
  expect(result.valid).toBe(true);
  expect(validator.version).toBe('3.1');
});

let strata: Strata;
beforeAll(async () => {
  const target = storeTargets[0];
  if (target === undefined) throw new Error('no store target');
  strata = await target.open({ webhooks: { dispatch: false } });
});
afterAll(() => strata.close());

it('documents only routes the server has, the streaming export and import included', async () => {
  const server = createServer({ strata });
  const app = (server as unknown as { app: { ready(): Promise<void>; hasRoute(route: { method: string; url: string }): boolean } }).app;
  await app.ready();
  const documented = Object.entries(document.paths).flatMap(([path, methods]) =>
    Object.keys(methods).map((method) => [method, path] as const),
  );
  expect(documented).toContainEqual(['get', '/v1/tenants/{id}/export']);
  expect(documented).toContainEqual(['post', '/v1/tenants/{id}/import']);
  for (const [method, path] of documented) {
    expect(app.hasRoute({ method: method.toUpperCase(), url: path.replace(/\{(\w+)\}/g, ':$1') }), `${method} ${path}`).toBe(true);
  }
});

import { expect } from 'vitest';
import type { Memory, Page } from '../../../src/index.ts';
import type { HttpResponse } from '../../http/http-helpers.ts';
import type { TestServer } from '../../support/http-server.ts';

/** Every error code the service documents; a 4xx must carry one of them. */
export const knownErrorCodes = [
  'invalid_input',
  'not_found',
  'forbidden',
  'unauthenticated',
  'limit_exceeded',
  'rate_limited',
  'conflict',
  'tenant_suspended',
  'model_mismatch',
  'payload_too_large',
  'store_locked',
] as const;

/** Asserts a response is not a server error, and that a 4xx is a problem+json body with a known code. */
export function expectNoServerError(response: HttpResponse, label: string): void {
  expect(response.status, `${label}: ${response.text.slice(0, 500)}`).toBeLessThan(500);
  if (response.status >= 400) {
    expect(response.headers.get('content-type'), label).toMatch(/^application\/problem\+json/);
    const problem = response.body as { code?: string; status?: number; detail?: string };
    expect(knownErrorCodes, `${label}: ${response.text.slice(0, 500)}`).toContain(problem.code);
    expect(problem.status, label).toBe(response.status);
    expect(typeof problem.detail, label).toBe('string');
  }
}

/**
 * Every memory of the given tenants as the operator sees it, in every scope, with version and
 * update time: two equal snapshots mean nothing was written in between.
 */
export async function memorySnapshot(server: TestServer, tenants: readonly { tenantId: string; userIds?: readonly string[] }[]) {
  const state: Record<string, string[]> = {};
  const describeAll = async (label: string, list: (cursor: string | undefined) => Promise<Page<Memory>>) => {
    const rows: string[] = [];
    let cursor: string | undefined;
    do {
      const page = await list(cursor);
      rows.push(...page.items.map((memory) => `${memory.id}@${memory.version}@${memory.updatedAt}@${memory.content.length}`));
      cursor = page.nextCursor ?? undefined;
    } while (cursor !== undefined);
    state[label] = rows.sort();
  };
  for (const { tenantId, userIds = [] } of tenants) {
    await describeAll(tenantId, (cursor) => server.client.as({ tenantId }).memories.list({ limit: 200, ...(cursor ? { cursor } : {}) }));
    for (const userId of userIds) {
      await describeAll(`${tenantId}/${userId}`, (cursor) =>
        server.client.as({ tenantId, userId }).memories.list({ scope: 'user', limit: 200, ...(cursor ? { cursor } : {}) }),
      );
    }
  }
  await describeAll('world', (cursor) => server.client.memories.list({ scope: 'world', limit: 200, ...(cursor ? { cursor } : {}) }));
  return state;
}

/** Encodes a listing query the way the API expects it: strings as they are, anything else as JSON text. */
export function listQuery(query: Record<string, unknown>): string {
  const parameters = new URLSearchParams();
  for (const [name, value] of Object.entries(query)) {
    parameters.set(name, typeof value === 'string' ? value : JSON.stringify(value));
  }
  return parameters.toString();
}

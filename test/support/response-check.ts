import { type HttpOperation as Operation, httpOperations as operations, responseSchemas } from '../../src/api/registry.ts';

const routes = operations.map((operation) => ({
  operation,
  pattern: new RegExp(`^${operation.path.replace(/\{\w+\}/g, '[^/]+')}$`),
}));

/** The operation a request is for, by method and path. */
export function operationFor(method: string, url: string): Operation | undefined {
  const path = new URL(url).pathname;
  return routes.find((route) => route.operation.method === method && route.pattern.test(path))?.operation;
}

/**
 * A `fetch` that checks every successful API response against its operation's response schema
 * (strict: no undeclared field), so the OpenAPI document, which is built from those schemas,
 * describes what the service really sends.
 */
export function schemaCheckingFetch(seen?: Set<string>): typeof fetch {
  return async (input, init) => {
    const response = await fetch(input, init);
    const url = typeof input === 'string' ? input : input instanceof URL ? input.toString() : input.url;
    const operation = operationFor(init?.method ?? 'GET', url);
    if (!response.ok || operation === undefined) return response;
    seen?.add(operation.name);
    const body: unknown = await response.clone().json();
    const schema = responseSchemas[operation.name];
    if (schema === undefined) throw new Error(`no response schema for ${operation.name}`);
    const checked = schema.safeParse(body);
    if (!checked.success) {
      throw new Error(`${operation.name} answered outside its response schema: ${JSON.stringify(checked.error.issues.slice(0, 3))}`);
    }
    return response;
  };
}

/** The HTTP service: `import { createServer } from 'strata/server'`. */
export { httpOperations as operations } from '../api/registry.ts';
export { createServer, type RequestLog, type ServerOptions, type StrataServer } from './create-server.ts';
export { buildOpenApiDocument } from './openapi.ts';

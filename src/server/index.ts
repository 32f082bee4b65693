/** The HTTP service: `import { createServer } from 'strata/server'`. */
export { operations } from '../api/operations.ts';
export { createServer, type RequestLog, type ServerOptions, type StrataServer } from './create-server.ts';
export { buildOpenApiDocument } from './openapi.ts';

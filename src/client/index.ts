/** The typed HTTP client: `import { createStrataClient } from 'strata/client'`. */
export { httpStatusByCode, isStrataError, StrataError, type StrataErrorCode } from '../core/errors.ts';
export { createStrataClient, type StrataClient, type StrataClientOptions } from './create-client.ts';

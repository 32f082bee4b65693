/**
 * Test doubles for code built on Strata (the `strata/testing` subpath).
 *
 * @example
 * import { startEmbeddingsServer } from 'strata/testing';
 */
export {
  type EmbeddingsFailure,
  type EmbeddingsServer,
  type EmbeddingsServerOptions,
  type RecordedEmbeddingsRequest,
  startEmbeddingsServer,
} from './openai-embeddings-server.ts';

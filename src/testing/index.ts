/**
 * Test doubles for code built on Strata (the `strata/testing` subpath).
 *
 * @example
 * import { startChatCompletionsServer, startEmbeddingsServer } from 'strata/testing';
 */

export {
  type ChatAnswer,
  type ChatCompletionsBody,
  type ChatCompletionsCall,
  type ChatCompletionsServer,
  type ChatCompletionsServerOptions,
  type ChatCompletionsUsage,
  type ChatFailure,
  type ChatFault,
  type ChatReply,
  type RecordedChatRequest,
  startChatCompletionsServer,
} from './openai-chat-server.ts';
export {
  type EmbeddingsFailure,
  type EmbeddingsServer,
  type EmbeddingsServerOptions,
  type RecordedEmbeddingsRequest,
  startEmbeddingsServer,
} from './openai-embeddings-server.ts';

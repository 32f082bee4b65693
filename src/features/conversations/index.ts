import { defineFeature } from '../../kernel/feature-module.ts';
import { createConversationsApi } from './conversations-api.ts';
import { conversationsOperations } from './conversations-operations.ts';
import { type ExtractionWorker, type ExtractionWorkerOptions, startExtractionWorker } from './extraction-worker.ts';

export type { AddedMessages, ConversationDeletion, ConversationsApi, TurnResult } from './conversations-api.ts';
export type {
  CreateConversationInput,
  DeleteConversationOptions,
  ListConversationsQuery,
  ListJobsQuery,
  ListMessagesQuery,
  NewMessage,
  TurnInput,
  UpdateConversationInput,
} from './conversations-schemas.ts';
// The conversations feature's public face: what other features, the composition root and the surfaces may import.
export type { ExtractionJob } from './extraction-jobs.ts';
export type { ExtractionWorkerOptions } from './extraction-worker.ts';

/** The conversations feature, for the registry. */
export const conversationsFeature = defineFeature({
  operations: conversationsOperations,
  /** The extraction worker runs where a model is configured, unless `extraction.worker` is false. */
  setup(engine, options): { worker: ExtractionWorker | undefined } {
    const extraction = options.extraction as ExtractionWorkerOptions | undefined;
    if (engine.llm === undefined || extraction?.worker === false) return { worker: undefined };
    const worker = startExtractionWorker(engine, extraction);
    engine.onClose.push(() => worker.stop());
    return { worker };
  },
  create: (engine, bound, state) => createConversationsApi(engine, bound, state.worker),
});

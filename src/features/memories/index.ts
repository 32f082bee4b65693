import { defineFeature } from '../../kernel/feature-module.ts';
import { createMemoriesApi } from './memories-api.ts';
import { memoriesOperations } from './memories-operations.ts';

// The memories feature's public face: what other features, the composition root and the surfaces may import.
export { type ContentErasure, eraseUserMemories } from './erase-user.ts';
export type { MemoriesApi } from './memories-api.ts';
export {
  type CreateMemoryInput,
  erasureSchema,
  type ListMemoriesQuery,
  type UpdateMemoryInput,
} from './memories-schemas.ts';
export { commonTerms, listMemories } from './memory-reads.ts';
export { deleteConversationMemories, insertMemories, type PreparedMemory, replaceMemory, type WriteContext } from './memory-writes.ts';
export { prepareMemories } from './prepare-memory.ts';
export { storeMemories, writeContextFor } from './store-memories.ts';

/** The memories feature, for the registry. */
export const memoriesFeature = defineFeature({
  operations: memoriesOperations,
  create: createMemoriesApi,
});

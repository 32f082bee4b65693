// The memories feature's public face: what other features, the composition root and the surfaces may import.
export { eraseUserMemories } from './erase-user.ts';
export { createMemoriesApi, type MemoriesApi } from './memories-api.ts';
export { commonTerms, listMemories } from './memory-reads.ts';

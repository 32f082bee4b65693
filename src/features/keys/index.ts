import { defineFeature } from '../../kernel/feature-module.ts';
import { createKeysApi } from './keys-api.ts';
import { keysOperations } from './keys-operations.ts';

// The keys feature's public face: what other features, the composition root and the surfaces may import.
export type { AuthenticatedKey, CreateApiKeyInput, CreatedApiKey, KeysApi } from './keys-api.ts';

/** The keys feature, for the registry. */
export const keysFeature = defineFeature({ operations: keysOperations, create: createKeysApi });

// The keys feature's public face: what other features, the composition root and the surfaces may import.
export { type AuthenticatedKey, type CreateApiKeyInput, type CreatedApiKey, createKeysApi, type KeysApi } from './keys-api.ts';

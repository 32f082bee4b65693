// The search feature's public face: what other features, the composition root and the surfaces may import.
export { createSearchApi, type SearchApi, type SearchResult } from './search-api.ts';

/**
 * Fixed notes for compare.md on how to read the figures: what each system's search really does,
 * from reading its code, so a ratio is not mistaken for something it is not.
 */
export const compareNotes: readonly string[] = [
  '- **Strata vs raw pgvector.** A Strata vector search is one transaction: `BEGIN` plus the row-level-security session settings',
  "  (one round trip), a tenant lookup, the vector query (a UNION over the tenant's `memories` and the readable",
  '  `shared_memories`, with `set_config` statements around it for an indexed tenant), then `COMMIT`: four or five round trips',
  '  and the RLS predicates, where the raw floor is one statement on one kept connection. That fixed cost, not the vector',
  '  scan, is most of the gap on small tenants (read from the code, not profiled here).',
  "- **LangGraph PostgresStore** searches with `WHERE namespace_path LIKE '<prefix>%'` joined to `store_vectors` and",
  '  ordered by `MIN(embedding <=> $2)` after a GROUP BY, so its global HNSW index is not used: every search is an exact',
  "  scan of the tenant's rows (hence its recall). The prefix is matched with LIKE: a namespace of just `[tenantId]` would also",
  '  match every tenant whose id starts with that id: a two-tenant probe (`tenant-1`, `tenant-10`) returned the other',
  "  tenant's item from `search(['tenant-1'])`, with and without a query. This bench uses `[tenantId, 'memories']`, which",
  '  does not leak here.',
  '- **LangGraph InMemoryStore** keeps everything in the bench process and scores a namespace by brute-force cosine in JS:',
  "  exact, fast on small tenants, linear in the tenant's size, and nothing survives the process.",
  '- **mem0** (`mem0ai/oss`, `infer: false`) with its local `memory` vector store reads **every row of the SQLite table**',
  '  (all tenants) and JSON-parses each payload on every search, twice (vector and BM25 keyword candidates), then re-ranks',
  '  with BM25 and entity boosts: its top 10 is a hybrid ranking, so its recall against the exact vector top 10 is lower by',
  '  design, and its latency grows with the whole store, not the tenant. Each memory is embedded by one HTTP request to the',
  '  loopback embeddings server, which bounds its ingest rate.',
  '- **Partly loaded systems.** A system cut short by its ingest budget is measured on what it holds: its large-tenant',
  '  figures are for a smaller tenant (the queries column says how large), which flatters its latency; the ✓ against it',
  '  is therefore conservative, a ✗ would not be.',
  '- **Noise.** Everything shares one machine with PostgreSQL; the load average below says how busy it was. p99 over',
  '  200 sequential queries is the second-slowest query.',
];

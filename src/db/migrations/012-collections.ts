/**
 * Document collections: a tenant's JSON documents in named collections.
 *
 * A collection declares up to four indexed fields (dotted paths into its documents). Each
 * document row keeps the value at each declared path in a fixed key column (`key_0` …
 * `key_3`, NULL only for a slot no field is declared in), encoded as order-preserving text
 * (see collection-keys.ts: text comparisons are leakproof, so row-level security lets the
 * planner use them as index conditions, which it never does for jsonb's), written with the
 * document and rewritten for every document when the declaration changes; one btree per key
 * column, led by the tenant and collection, serves filters and sorts on those fields without
 * any per-tenant DDL. Everything
 * is keyed by `tenant_id` (distributed by it on Citus, collections and their documents
 * co-located). The collection row holds its document count and bytes, changed under its row
 * lock by the writes that change them; `tenant_usage.collection_count` holds the
 * `collections` limit exactly under concurrent creates, and document bytes count toward the
 * storage quota.
 */
export const collectionsMigration = `
CREATE TABLE collections (
  tenant_id text NOT NULL REFERENCES tenants (tenant_id),
  name text NOT NULL,
  description text,
  indexes text[] NOT NULL DEFAULT '{}',
  document_count bigint NOT NULL DEFAULT 0,
  content_bytes bigint NOT NULL DEFAULT 0,
  created_at timestamptz NOT NULL,
  updated_at timestamptz NOT NULL,
  PRIMARY KEY (tenant_id, name),
  CHECK (cardinality(indexes) <= 4)
);

CREATE TABLE collection_documents (
  tenant_id text NOT NULL,
  collection text NOT NULL,
  document_id text NOT NULL,
  body jsonb NOT NULL,
  bytes integer NOT NULL,
  version bigint NOT NULL DEFAULT 1,
  key_0 text COLLATE "C",
  key_1 text COLLATE "C",
  key_2 text COLLATE "C",
  key_3 text COLLATE "C",
  created_at timestamptz NOT NULL,
  updated_at timestamptz NOT NULL,
  PRIMARY KEY (tenant_id, collection, document_id),
  FOREIGN KEY (tenant_id, collection) REFERENCES collections (tenant_id, name),
  CHECK (jsonb_typeof(body) = 'object')
);
CREATE INDEX collection_documents_key_0 ON collection_documents (tenant_id, collection, key_0, document_id);
CREATE INDEX collection_documents_key_1 ON collection_documents (tenant_id, collection, key_1, document_id);
CREATE INDEX collection_documents_key_2 ON collection_documents (tenant_id, collection, key_2, document_id);
CREATE INDEX collection_documents_key_3 ON collection_documents (tenant_id, collection, key_3, document_id);

ALTER TABLE tenant_usage ADD COLUMN collection_count bigint NOT NULL DEFAULT 0;

ALTER TABLE collections ENABLE ROW LEVEL SECURITY;
ALTER TABLE collections FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON collections
  USING (tenant_id = current_setting('strata.tenant_id', true))
  WITH CHECK (tenant_id = current_setting('strata.tenant_id', true));

ALTER TABLE collection_documents ENABLE ROW LEVEL SECURITY;
ALTER TABLE collection_documents FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON collection_documents
  USING (tenant_id = current_setting('strata.tenant_id', true))
  WITH CHECK (tenant_id = current_setting('strata.tenant_id', true));

GRANT SELECT, INSERT, UPDATE, DELETE ON collections, collection_documents TO :app_role;
`;

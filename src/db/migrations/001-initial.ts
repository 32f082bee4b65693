/**
 * The initial schema. `:app_role` is replaced by the quoted application role.
 *
 * Tenant-owned tables lead their primary key with `tenant_id`, and every foreign key between
 * them includes it, so the schema can be distributed by tenant (Citus). Shared knowledge
 * (world and client scope) lives in `shared_memories`, a candidate reference table.
 */
export const initialMigration = `
CREATE EXTENSION IF NOT EXISTS vector;
CREATE EXTENSION IF NOT EXISTS btree_gin;

CREATE TABLE strata_meta (
  key text PRIMARY KEY,
  value jsonb NOT NULL
);

CREATE TABLE clients (
  client_id text PRIMARY KEY,
  created_at timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE tenants (
  tenant_id text PRIMARY KEY,
  client_id text NOT NULL REFERENCES clients (client_id),
  name text,
  plan text NOT NULL,
  status text NOT NULL CHECK (status IN ('active', 'suspended')),
  settings jsonb NOT NULL DEFAULT '{}',
  created_at timestamptz NOT NULL,
  updated_at timestamptz NOT NULL
);
CREATE INDEX tenants_by_client ON tenants (client_id, tenant_id);

CREATE TABLE users (
  tenant_id text NOT NULL REFERENCES tenants (tenant_id),
  user_id text NOT NULL,
  role text NOT NULL CHECK (role IN ('admin', 'member', 'reader')),
  metadata jsonb NOT NULL DEFAULT '{}',
  created_at timestamptz NOT NULL,
  PRIMARY KEY (tenant_id, user_id)
);

-- Per-tenant counters, updated in the same transaction as the rows they count: they route
-- searches by tenant size and will back exact quotas.
CREATE TABLE tenant_usage (
  tenant_id text PRIMARY KEY REFERENCES tenants (tenant_id),
  memory_count bigint NOT NULL DEFAULT 0,
  searchable_count bigint NOT NULL DEFAULT 0,
  content_bytes bigint NOT NULL DEFAULT 0
);

CREATE TABLE memories (
  tenant_id text NOT NULL REFERENCES tenants (tenant_id),
  memory_id uuid NOT NULL,
  kind text NOT NULL CHECK (kind IN ('memory', 'document', 'chunk')),
  parent_id uuid,
  chunk_index integer NOT NULL DEFAULT 0,
  chunk_count integer NOT NULL DEFAULT 1,
  scope text NOT NULL CHECK (scope IN ('customer', 'user')),
  user_id text,
  document_type text NOT NULL,
  content text NOT NULL,
  content_hash text NOT NULL,
  metadata jsonb NOT NULL DEFAULT '{}',
  agent_id text,
  conversation_id text,
  version integer NOT NULL DEFAULT 1,
  embedding vector,
  embedding_model text NOT NULL,
  tsv tsvector GENERATED ALWAYS AS (to_tsvector('english', content)) STORED,
  created_at timestamptz NOT NULL,
  updated_at timestamptz NOT NULL,
  expires_at timestamptz,
  PRIMARY KEY (tenant_id, memory_id),
  FOREIGN KEY (tenant_id, user_id) REFERENCES users (tenant_id, user_id),
  FOREIGN KEY (tenant_id, parent_id) REFERENCES memories (tenant_id, memory_id) ON DELETE CASCADE,
  CHECK ((scope = 'user') = (user_id IS NOT NULL)),
  CHECK ((kind = 'chunk') = (parent_id IS NOT NULL)),
  CHECK ((kind = 'document') = (embedding IS NULL))
);
-- Keep vectors inline (MAIN, not the type's default EXTENDED): out-of-line vectors cost several
-- extra buffer reads each, which made an exact scan of 10,000 rows 3-4x slower.
ALTER TABLE memories ALTER COLUMN embedding SET STORAGE MAIN;
CREATE UNIQUE INDEX memories_dedup ON memories (tenant_id, scope, coalesce(user_id, ''), content_hash)
  WHERE kind <> 'chunk';
CREATE INDEX memories_by_user ON memories (tenant_id, user_id, memory_id) WHERE user_id IS NOT NULL;
CREATE INDEX memories_by_conversation ON memories (tenant_id, conversation_id, created_at)
  WHERE conversation_id IS NOT NULL;
CREATE INDEX memories_by_parent ON memories (tenant_id, parent_id) WHERE parent_id IS NOT NULL;
CREATE INDEX memories_keyword ON memories USING gin (tenant_id, tsv);

CREATE TABLE memory_history (
  tenant_id text NOT NULL,
  memory_id uuid NOT NULL,
  version integer NOT NULL,
  user_id text,
  document_type text NOT NULL,
  content text NOT NULL,
  metadata jsonb NOT NULL,
  replaced_at timestamptz NOT NULL,
  PRIMARY KEY (tenant_id, memory_id, version),
  FOREIGN KEY (tenant_id, memory_id) REFERENCES memories (tenant_id, memory_id) ON DELETE CASCADE
);

-- Which tenants have their own HNSW index (partial, on their rows only).
CREATE TABLE tenant_vector_indexes (
  tenant_id text PRIMARY KEY REFERENCES tenants (tenant_id),
  index_name text NOT NULL,
  embedding_model text NOT NULL,
  dimensions integer NOT NULL,
  created_at timestamptz NOT NULL
);

CREATE TABLE shared_memories (
  memory_id uuid PRIMARY KEY,
  scope text NOT NULL CHECK (scope IN ('world', 'client')),
  client_id text REFERENCES clients (client_id),
  kind text NOT NULL CHECK (kind IN ('memory', 'document', 'chunk')),
  parent_id uuid REFERENCES shared_memories (memory_id) ON DELETE CASCADE,
  chunk_index integer NOT NULL DEFAULT 0,
  chunk_count integer NOT NULL DEFAULT 1,
  document_type text NOT NULL,
  content text NOT NULL,
  content_hash text NOT NULL,
  metadata jsonb NOT NULL DEFAULT '{}',
  agent_id text,
  conversation_id text,
  version integer NOT NULL DEFAULT 1,
  embedding vector,
  embedding_model text NOT NULL,
  tsv tsvector GENERATED ALWAYS AS (to_tsvector('english', content)) STORED,
  created_at timestamptz NOT NULL,
  updated_at timestamptz NOT NULL,
  expires_at timestamptz,
  CHECK ((scope = 'client') = (client_id IS NOT NULL)),
  CHECK ((kind = 'chunk') = (parent_id IS NOT NULL)),
  CHECK ((kind = 'document') = (embedding IS NULL))
);
ALTER TABLE shared_memories ALTER COLUMN embedding SET STORAGE MAIN;
CREATE UNIQUE INDEX shared_memories_dedup ON shared_memories (scope, coalesce(client_id, ''), content_hash)
  WHERE kind <> 'chunk';
CREATE INDEX shared_memories_by_client ON shared_memories (client_id, memory_id);
CREATE INDEX shared_memories_by_parent ON shared_memories (parent_id) WHERE parent_id IS NOT NULL;
CREATE INDEX shared_memories_keyword ON shared_memories USING gin (tsv);

CREATE TABLE shared_memory_history (
  memory_id uuid NOT NULL REFERENCES shared_memories (memory_id) ON DELETE CASCADE,
  version integer NOT NULL,
  document_type text NOT NULL,
  content text NOT NULL,
  metadata jsonb NOT NULL,
  replaced_at timestamptz NOT NULL,
  PRIMARY KEY (memory_id, version)
);

-- Row-level security. Policies read transaction-local settings (set_config(..., true)); an
-- unset setting reads as NULL or '', which matches no row: a missing context fails closed.
ALTER TABLE tenants ENABLE ROW LEVEL SECURITY;
ALTER TABLE tenants FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON tenants
  USING (
    tenant_id = current_setting('strata.tenant_id', true)
    OR current_setting('strata.role', true) = 'platform'
    OR (current_setting('strata.role', true) = 'client_admin' AND client_id = current_setting('strata.client_id', true))
  );

ALTER TABLE users ENABLE ROW LEVEL SECURITY;
ALTER TABLE users FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON users
  USING (tenant_id = current_setting('strata.tenant_id', true))
  WITH CHECK (tenant_id = current_setting('strata.tenant_id', true));

ALTER TABLE tenant_usage ENABLE ROW LEVEL SECURITY;
ALTER TABLE tenant_usage FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON tenant_usage
  USING (tenant_id = current_setting('strata.tenant_id', true))
  WITH CHECK (tenant_id = current_setting('strata.tenant_id', true));

ALTER TABLE tenant_vector_indexes ENABLE ROW LEVEL SECURITY;
ALTER TABLE tenant_vector_indexes FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON tenant_vector_indexes
  USING (tenant_id = current_setting('strata.tenant_id', true))
  WITH CHECK (tenant_id = current_setting('strata.tenant_id', true));

-- User-scoped rows are visible only to their user, unless an admin operation (erasure,
-- purge) asks for every user explicitly.
ALTER TABLE memories ENABLE ROW LEVEL SECURITY;
ALTER TABLE memories FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON memories
  USING (
    tenant_id = current_setting('strata.tenant_id', true)
    AND (user_id IS NULL OR user_id = current_setting('strata.user_id', true)
         OR current_setting('strata.all_users', true) = 'on')
  )
  WITH CHECK (
    tenant_id = current_setting('strata.tenant_id', true)
    AND (user_id IS NULL OR user_id = current_setting('strata.user_id', true)
         OR current_setting('strata.all_users', true) = 'on')
  );

ALTER TABLE memory_history ENABLE ROW LEVEL SECURITY;
ALTER TABLE memory_history FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON memory_history
  USING (
    tenant_id = current_setting('strata.tenant_id', true)
    AND (user_id IS NULL OR user_id = current_setting('strata.user_id', true)
         OR current_setting('strata.all_users', true) = 'on')
  )
  WITH CHECK (
    tenant_id = current_setting('strata.tenant_id', true)
    AND (user_id IS NULL OR user_id = current_setting('strata.user_id', true)
         OR current_setting('strata.all_users', true) = 'on')
  );

-- Shared knowledge: world rows are readable by everyone, client rows by that client's
-- callers; only the operator writes world rows and only a client admin its client's rows.
ALTER TABLE shared_memories ENABLE ROW LEVEL SECURITY;
ALTER TABLE shared_memories FORCE ROW LEVEL SECURITY;
CREATE POLICY shared_read ON shared_memories FOR SELECT
  USING (scope = 'world' OR client_id = current_setting('strata.client_id', true));
CREATE POLICY shared_write ON shared_memories
  USING (
    current_setting('strata.role', true) = 'platform'
    OR (current_setting('strata.role', true) = 'client_admin' AND client_id = current_setting('strata.client_id', true))
  )
  WITH CHECK (
    current_setting('strata.role', true) = 'platform'
    OR (current_setting('strata.role', true) = 'client_admin' AND client_id = current_setting('strata.client_id', true))
  );

ALTER TABLE shared_memory_history ENABLE ROW LEVEL SECURITY;
ALTER TABLE shared_memory_history FORCE ROW LEVEL SECURITY;
CREATE POLICY shared_history ON shared_memory_history
  USING (EXISTS (SELECT 1 FROM shared_memories m WHERE m.memory_id = shared_memory_history.memory_id));

GRANT SELECT ON strata_meta TO :app_role;
GRANT SELECT, INSERT ON clients TO :app_role;
GRANT SELECT, INSERT, UPDATE, DELETE ON tenants, users, tenant_usage, tenant_vector_indexes,
  memories, memory_history, shared_memories, shared_memory_history TO :app_role;
`;

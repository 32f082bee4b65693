/**
 * Knowledge bases and agents.
 *
 * A knowledge base is a named store of documents. A tenant's own live in `knowledge_bases`
 * (customer scope, distributed by tenant); shared ones — a client's, readable by all its tenants,
 * or the operator's (`world`), readable by everyone — live in `shared_knowledge_bases`, beside
 * the shared memories (a reference table on Citus). Their documents are memories: rows of
 * `memories` / `shared_memories` carrying `knowledge_base_id` and the caller's `document_key`,
 * chunked and embedded like any long memory (chunks repeat both, so a hit traces to its document), so every search mode and filter works on them
 * unchanged. Ordinary memory reads leave them out (`knowledge_base_id IS NULL`); a search names
 * the knowledge bases it reads. Content deduplication applies to ordinary memories only: two
 * documents may hold the same text, and a document id is unique within its knowledge base.
 *
 * Agents are a per-tenant registry (name, model, system prompt, attached knowledge bases).
 * Attachments are ids, checked when written and resolved when read: a shared knowledge base
 * deleted by its owner simply stops being searched, without touching other tenants' rows.
 *
 * Each knowledge base keeps its document, chunk and byte counts, changed under its row lock by
 * the writes that change them (which that lock also orders). `tenant_usage` counts both, under its row lock, so the `knowledgeBases` and `agents` limits
 * hold exactly under concurrent creates.
 */
export const knowledgeBasesMigration = `
CREATE TABLE knowledge_bases (
  tenant_id text NOT NULL REFERENCES tenants (tenant_id),
  knowledge_base_id uuid NOT NULL,
  name text NOT NULL,
  description text,
  metadata jsonb NOT NULL DEFAULT '{}',
  document_count bigint NOT NULL DEFAULT 0,
  chunk_count bigint NOT NULL DEFAULT 0,
  content_bytes bigint NOT NULL DEFAULT 0,
  created_at timestamptz NOT NULL,
  updated_at timestamptz NOT NULL,
  PRIMARY KEY (tenant_id, knowledge_base_id),
  UNIQUE (tenant_id, name)
);

CREATE TABLE shared_knowledge_bases (
  knowledge_base_id uuid PRIMARY KEY,
  scope text NOT NULL CHECK (scope IN ('world', 'client')),
  client_id text REFERENCES clients (client_id),
  name text NOT NULL,
  description text,
  metadata jsonb NOT NULL DEFAULT '{}',
  document_count bigint NOT NULL DEFAULT 0,
  chunk_count bigint NOT NULL DEFAULT 0,
  content_bytes bigint NOT NULL DEFAULT 0,
  created_at timestamptz NOT NULL,
  updated_at timestamptz NOT NULL,
  CHECK ((scope = 'client') = (client_id IS NOT NULL))
);
CREATE UNIQUE INDEX shared_knowledge_bases_name ON shared_knowledge_bases (scope, coalesce(client_id, ''), name);

ALTER TABLE memories ADD COLUMN knowledge_base_id uuid;
ALTER TABLE memories ADD COLUMN document_key text;
ALTER TABLE memories ADD FOREIGN KEY (tenant_id, knowledge_base_id) REFERENCES knowledge_bases (tenant_id, knowledge_base_id);
ALTER TABLE memories ADD CHECK (document_key IS NULL OR knowledge_base_id IS NOT NULL);
DROP INDEX memories_dedup;
CREATE UNIQUE INDEX memories_dedup ON memories (tenant_id, scope, coalesce(user_id, ''), content_hash)
  WHERE kind <> 'chunk' AND knowledge_base_id IS NULL;
CREATE UNIQUE INDEX memories_document_key ON memories (tenant_id, knowledge_base_id, document_key)
  WHERE document_key IS NOT NULL AND kind <> 'chunk';
CREATE INDEX memories_by_knowledge_base ON memories (tenant_id, knowledge_base_id, memory_id)
  WHERE knowledge_base_id IS NOT NULL;

ALTER TABLE shared_memories ADD COLUMN knowledge_base_id uuid REFERENCES shared_knowledge_bases (knowledge_base_id);
ALTER TABLE shared_memories ADD COLUMN document_key text;
ALTER TABLE shared_memories ADD CHECK (document_key IS NULL OR knowledge_base_id IS NOT NULL);
DROP INDEX shared_memories_dedup;
CREATE UNIQUE INDEX shared_memories_dedup ON shared_memories (scope, coalesce(client_id, ''), content_hash)
  WHERE kind <> 'chunk' AND knowledge_base_id IS NULL;
CREATE UNIQUE INDEX shared_memories_document_key ON shared_memories (knowledge_base_id, document_key)
  WHERE document_key IS NOT NULL AND kind <> 'chunk';
CREATE INDEX shared_memories_by_knowledge_base ON shared_memories (knowledge_base_id, memory_id)
  WHERE knowledge_base_id IS NOT NULL;

CREATE TABLE agents (
  tenant_id text NOT NULL REFERENCES tenants (tenant_id),
  agent_id text NOT NULL,
  name text NOT NULL,
  description text,
  model text,
  system_prompt text,
  knowledge_base_ids uuid[] NOT NULL DEFAULT '{}',
  settings jsonb NOT NULL DEFAULT '{}',
  metadata jsonb NOT NULL DEFAULT '{}',
  created_at timestamptz NOT NULL,
  updated_at timestamptz NOT NULL,
  PRIMARY KEY (tenant_id, agent_id),
  UNIQUE (tenant_id, name)
);

ALTER TABLE tenant_usage ADD COLUMN knowledge_base_count bigint NOT NULL DEFAULT 0;
ALTER TABLE tenant_usage ADD COLUMN agent_count bigint NOT NULL DEFAULT 0;

ALTER TABLE knowledge_bases ENABLE ROW LEVEL SECURITY;
ALTER TABLE knowledge_bases FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON knowledge_bases
  USING (tenant_id = current_setting('strata.tenant_id', true))
  WITH CHECK (tenant_id = current_setting('strata.tenant_id', true));

ALTER TABLE agents ENABLE ROW LEVEL SECURITY;
ALTER TABLE agents FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON agents
  USING (tenant_id = current_setting('strata.tenant_id', true))
  WITH CHECK (tenant_id = current_setting('strata.tenant_id', true));

-- Shared knowledge bases follow the shared memories: world ones readable by everyone, a
-- client's by that client's callers; written only by the operator, or a client admin for its client.
ALTER TABLE shared_knowledge_bases ENABLE ROW LEVEL SECURITY;
ALTER TABLE shared_knowledge_bases FORCE ROW LEVEL SECURITY;
CREATE POLICY shared_read ON shared_knowledge_bases FOR SELECT
  USING (scope = 'world' OR client_id = current_setting('strata.client_id', true));
CREATE POLICY shared_write ON shared_knowledge_bases
  USING (
    current_setting('strata.role', true) = 'platform'
    OR (current_setting('strata.role', true) = 'client_admin' AND client_id = current_setting('strata.client_id', true))
  )
  WITH CHECK (
    current_setting('strata.role', true) = 'platform'
    OR (current_setting('strata.role', true) = 'client_admin' AND client_id = current_setting('strata.client_id', true))
  );

GRANT SELECT, INSERT, UPDATE, DELETE ON knowledge_bases, shared_knowledge_bases, agents TO :app_role;
`;

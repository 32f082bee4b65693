/**
 * Conversations, their messages, and the extraction jobs that turn messages into memories.
 *
 * Every table leads its keys with `tenant_id` and every foreign key includes it (distributable
 * by tenant, co-located). A conversation either belongs to one user (its messages are that
 * user's, like user-scope memories) or to the tenant as a whole; the policies repeat the
 * memories' rule: a user's rows are visible only to that user, unless an admin operation
 * (erasure, purge) asks for every user. Messages copy their conversation's `user_id` so their
 * own policy needs no join.
 *
 * Extraction jobs hold no content (ids and positions only). The background worker finds and
 * claims them across tenants with the `system` role, then does each job's work in a session of
 * the job's tenant and user, where the usual policies apply.
 *
 * Memories gain `source` (where a memory came from: a message, or an extraction job and the
 * messages it read) and `invalidated_at` / `invalidated_by` (a fact an extraction found
 * contradicted is marked, not erased: it stops being served but keeps its history).
 */
export const conversationsMigration = `
CREATE TABLE conversations (
  tenant_id text NOT NULL REFERENCES tenants (tenant_id),
  conversation_id text NOT NULL,
  user_id text,
  agent_id text,
  title text,
  metadata jsonb NOT NULL DEFAULT '{}',
  status text NOT NULL CHECK (status IN ('active', 'archived')),
  message_count integer NOT NULL DEFAULT 0,
  last_seq bigint NOT NULL DEFAULT 0,
  last_message_at timestamptz,
  created_at timestamptz NOT NULL,
  updated_at timestamptz NOT NULL,
  PRIMARY KEY (tenant_id, conversation_id),
  FOREIGN KEY (tenant_id, user_id) REFERENCES users (tenant_id, user_id)
);
CREATE INDEX conversations_by_time ON conversations (tenant_id, created_at DESC, conversation_id DESC);
CREATE INDEX conversations_by_user ON conversations (tenant_id, user_id, created_at DESC) WHERE user_id IS NOT NULL;

CREATE TABLE conversation_messages (
  tenant_id text NOT NULL,
  conversation_id text NOT NULL,
  seq bigint NOT NULL,
  message_id uuid NOT NULL,
  user_id text,
  role text NOT NULL CHECK (role IN ('user', 'assistant', 'system', 'tool')),
  name text,
  content text NOT NULL,
  metadata jsonb NOT NULL DEFAULT '{}',
  token_count integer NOT NULL,
  memory_id uuid,
  created_at timestamptz NOT NULL,
  PRIMARY KEY (tenant_id, conversation_id, seq),
  UNIQUE (tenant_id, message_id),
  FOREIGN KEY (tenant_id, conversation_id) REFERENCES conversations (tenant_id, conversation_id) ON DELETE CASCADE
);

CREATE TABLE extraction_jobs (
  tenant_id text NOT NULL,
  job_id uuid NOT NULL,
  conversation_id text NOT NULL,
  user_id text,
  from_seq bigint NOT NULL,
  to_seq bigint NOT NULL,
  status text NOT NULL CHECK (status IN ('queued', 'running', 'limited', 'done', 'failed')),
  attempts integer NOT NULL DEFAULT 0,
  run_after timestamptz NOT NULL,
  lease_id uuid,
  error jsonb,
  result jsonb,
  created_at timestamptz NOT NULL,
  updated_at timestamptz NOT NULL,
  PRIMARY KEY (tenant_id, job_id),
  FOREIGN KEY (tenant_id, conversation_id) REFERENCES conversations (tenant_id, conversation_id) ON DELETE CASCADE
);
CREATE INDEX extraction_jobs_pending ON extraction_jobs (tenant_id, run_after, job_id)
  WHERE status IN ('queued', 'running', 'limited');
CREATE INDEX extraction_jobs_by_conversation ON extraction_jobs (tenant_id, conversation_id, created_at);

ALTER TABLE memories ADD COLUMN source jsonb;
ALTER TABLE memories ADD COLUMN invalidated_at timestamptz;
ALTER TABLE memories ADD COLUMN invalidated_by jsonb;
ALTER TABLE shared_memories ADD COLUMN source jsonb;
ALTER TABLE shared_memories ADD COLUMN invalidated_at timestamptz;
ALTER TABLE shared_memories ADD COLUMN invalidated_by jsonb;

ALTER TABLE conversations ENABLE ROW LEVEL SECURITY;
ALTER TABLE conversations FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON conversations
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

ALTER TABLE conversation_messages ENABLE ROW LEVEL SECURITY;
ALTER TABLE conversation_messages FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON conversation_messages
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

ALTER TABLE extraction_jobs ENABLE ROW LEVEL SECURITY;
ALTER TABLE extraction_jobs FORCE ROW LEVEL SECURITY;
CREATE POLICY job_access ON extraction_jobs
  USING (
    (tenant_id = current_setting('strata.tenant_id', true)
     AND (user_id IS NULL OR user_id = current_setting('strata.user_id', true)
          OR current_setting('strata.all_users', true) = 'on'))
    OR current_setting('strata.role', true) = 'system'
  )
  WITH CHECK (
    (tenant_id = current_setting('strata.tenant_id', true)
     AND (user_id IS NULL OR user_id = current_setting('strata.user_id', true)
          OR current_setting('strata.all_users', true) = 'on'))
    OR current_setting('strata.role', true) = 'system'
  );

GRANT SELECT, INSERT, UPDATE, DELETE ON conversations, conversation_messages, extraction_jobs TO :app_role;
`;

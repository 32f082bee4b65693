import { afterAll, beforeAll, expect, it } from 'vitest';
import type { Database } from '../src/db/database.ts';
import { createStrata, type Strata } from '../src/index.ts';
import { describeEachStore, openRawDatabase } from './support/stores.ts';

describeEachStore('row-level security', (target) => {
  let database: Database;
  let strata: Strata;
  beforeAll(async () => {
    database = await openRawDatabase(target);
    strata = await createStrata({ database });
    for (const tenantId of ['tenant-a', 'tenant-b']) {
      await strata.tenants.create({ id: tenantId });
      await strata.as({ tenantId }).memories.create({ content: `identical text`, scope: 'customer' });
      await strata.as({ tenantId, userId: 'same-user' }).memories.create({ content: `identical text` });
      for (const caller of [strata.as({ tenantId }), strata.as({ tenantId, userId: 'same-user' })]) {
        const conversation = await caller.conversations.create();
        // A system message: kept in the conversation, not made a memory (the memories rows above stay as they are).
        await caller.conversations.addMessages(conversation.id, [{ role: 'system', content: 'identical text' }]);
      }
      const base = await strata.as({ tenantId }).knowledgeBases.create({ name: 'identical name' });
      await strata.as({ tenantId }).agents.create({ id: 'identical-id', name: 'identical name', knowledgeBaseIds: [base.id] });
      await strata.as({ tenantId }).collections.create({ name: 'identical-name', indexes: ['a'] });
      await strata.as({ tenantId }).collections.insert('identical-name', { id: 'identical-id', document: { a: 'identical text' } });
    }
    for (const clientId of ['client-x', 'client-y']) {
      await strata.as({ clientId, role: 'client_admin' }).knowledgeBases.create({ name: 'identical name' });
    }
  });
  afterAll(() => strata.close());

  it('forces RLS with a real policy and a tenant_id-first key on every tenant table (read from the catalog)', async () => {
    const tables = await database.asOwner(async (db) => {
      const result = await db.query<{
        name: string;
        enabled: boolean;
        forced: boolean;
        policies: string[];
        key_first: string | null;
        platform_rows: boolean;
      }>(
        `SELECT c.relname AS name, c.relrowsecurity AS enabled, c.relforcerowsecurity AS forced,
           NOT (SELECT a.attnotnull FROM pg_attribute a WHERE a.attrelid = c.oid AND a.attname = 'tenant_id') AS platform_rows,
           coalesce((SELECT array_agg(pg_get_expr(coalesce(p.polqual, p.polwithcheck), p.polrelid)) FROM pg_policy p WHERE p.polrelid = c.oid), '{}') AS policies,
           (SELECT a.attname FROM pg_index i JOIN pg_attribute a ON a.attrelid = c.oid AND a.attnum = i.indkey[0]
             WHERE i.indrelid = c.oid AND i.indisprimary) AS key_first
         FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
         WHERE n.nspname = current_schema() AND c.relkind = 'r'
           AND EXISTS (SELECT 1 FROM pg_attribute a WHERE a.attrelid = c.oid AND a.attname = 'tenant_id' AND NOT a.attisdropped)
         ORDER BY 1`,
      );
      return result.rows;
    });
    expect(tables.map((table) => table.name)).toEqual([
      'agents',
      'audit_log',
      'collection_documents',
      'collections',
      'conversation_messages',
      'conversations',
      'extraction_jobs',
      'idempotency_records',
      'knowledge_bases',
      'memories',
      'memory_history',
      'storage_daily',
      'tenant_api_keys',
      'tenant_meter',
      'tenant_notices',
      'tenant_provider_keys',
      'tenant_usage',
      'tenant_vector_indexes',
      'tenants',
      'usage_daily',
      'users',
      'webhook_deliveries',
      'webhooks',
    ]);
    // Tables that also hold the platform's rows (tenant_id NULL: the platform audit chain,
    // platform-wide webhooks) cannot lead a primary key with tenant_id; their policies still do.
    expect(tables.filter((table) => table.platform_rows).map((table) => table.name)).toEqual([
      'audit_log',
      'webhook_deliveries',
      'webhooks',
    ]);
    for (const table of tables) {
      expect(table, table.name).toMatchObject({ enabled: true, forced: true });
      if (!table.platform_rows) expect(table.key_first, table.name).toBe('tenant_id');
      expect(table.policies.length, table.name).toBeGreaterThan(0);
      for (const policy of table.policies) expect(policy, table.name).toContain("current_setting('strata.tenant_id'");
    }
  });

  it('includes tenant_id in every foreign key between tenant tables', async () => {
    const keys = await database.asOwner(async (db) => {
      const result = await db.query<{ name: string; child_columns: string[]; parent_columns: string[] }>(
        `SELECT k.conname AS name,
           (SELECT array_agg(a.attname ORDER BY a.attnum) FROM pg_attribute a WHERE a.attrelid = k.conrelid AND a.attnum = ANY(k.conkey)) AS child_columns,
           (SELECT array_agg(a.attname ORDER BY a.attnum) FROM pg_attribute a WHERE a.attrelid = k.confrelid AND a.attnum = ANY(k.confkey)) AS parent_columns
         FROM pg_constraint k
         WHERE k.contype = 'f'
           AND EXISTS (SELECT 1 FROM pg_attribute a WHERE a.attrelid = k.conrelid AND a.attname = 'tenant_id' AND a.attnotnull)
           AND EXISTS (SELECT 1 FROM pg_attribute a WHERE a.attrelid = k.confrelid AND a.attname = 'tenant_id')`,
      );
      return result.rows;
    });
    expect(keys.length).toBeGreaterThan(4);
    for (const key of keys) {
      expect(key.child_columns, key.name).toContain('tenant_id');
      expect(key.parent_columns, key.name).toContain('tenant_id');
    }
  });

  it('runs sessions as a role that is neither superuser nor BYPASSRLS', async () => {
    const role = await database.withSession({ role: 'member', tenantId: 'tenant-a' }, async (db) => {
      const result = await db.query<{ name: string; superuser: boolean; bypass: boolean }>(
        'SELECT current_user AS name, rolsuper AS superuser, rolbypassrls AS bypass FROM pg_roles WHERE rolname = current_user',
      );
      return result.rows[0];
    });
    expect(role).toEqual({ name: 'strata_app', superuser: false, bypass: false });
  });

  const rawTenantRows = (settings: Parameters<Database['withSession']>[0]) =>
    database.withSession(settings, async (db) => {
      // Deliberately no WHERE clause: only row-level security stands between tenants here.
      const result = await db.query<{ tenant_id: string; user_id: string | null }>('SELECT tenant_id, user_id FROM memories ORDER BY 1, 2');
      return result.rows.map((row) => `${row.tenant_id}/${row.user_id ?? '-'}`).sort();
    });

  it('isolates tenants and users in the database even without application filters', async () => {
    expect(await rawTenantRows({ role: 'admin', tenantId: 'tenant-a' })).toEqual(['tenant-a/-']);
    expect(await rawTenantRows({ role: 'member', tenantId: 'tenant-a', userId: 'same-user' })).toEqual([
      'tenant-a/-',
      'tenant-a/same-user',
    ]);
    expect(await rawTenantRows({ role: 'admin', tenantId: 'tenant-b', allUsers: true })).toEqual(['tenant-b/-', 'tenant-b/same-user']);
  });

  it('fails closed: no tenant context sees no tenant row, and writes are refused', async () => {
    expect(await rawTenantRows({ role: 'platform' })).toEqual([]);
    await expect(
      database.withSession({ role: 'admin' }, (db) =>
        db.query(`INSERT INTO users (tenant_id, user_id, role, created_at) VALUES ('tenant-a', 'intruder', 'admin', now())`),
      ),
    ).rejects.toMatchObject({ code: '42501' });
    await expect(
      database.withSession({ role: 'admin', tenantId: 'tenant-a' }, (db) =>
        db.query(`INSERT INTO users (tenant_id, user_id, role, created_at) VALUES ('tenant-b', 'intruder', 'admin', now())`),
      ),
    ).rejects.toMatchObject({ code: '42501' });
  });

  it('leaves no tenant setting behind after a commit or a failed transaction', async () => {
    await database.withSession({ role: 'admin', tenantId: 'tenant-a' }, (db) => db.query('SELECT 1'));
    await expect(database.withSession({ role: 'admin', tenantId: 'tenant-a' }, (db) => db.query('SELECT 1/0'))).rejects.toBeDefined();
    for (let attempt = 0; attempt < 4; attempt += 1) {
      const setting = await database.withSession({ role: 'admin' }, async (db) => {
        const result = await db.query<{ tenant: string | null }>(`SELECT current_setting('strata.tenant_id', true) AS tenant`);
        return result.rows[0]?.tenant;
      });
      expect(setting ?? '').toBe('');
    }
  });

  // Conversations and messages: the same rule as memories, from the database alone, and the policy is what holds it.
  for (const table of ['conversations', 'conversation_messages']) {
    const rows = (settings: Parameters<Database['withSession']>[0]) =>
      database.withSession(settings, async (db) => {
        const result = await db.query<{ tenant_id: string; user_id: string | null }>(`SELECT tenant_id, user_id FROM ${table}`);
        return result.rows.map((row) => `${row.tenant_id}/${row.user_id ?? '-'}`).sort();
      });

    it(`isolates ${table} by tenant and user without application filters, and only because of its policy`, async () => {
      expect(await rows({ role: 'admin', tenantId: 'tenant-a' })).toEqual(['tenant-a/-']);
      expect(await rows({ role: 'member', tenantId: 'tenant-a', userId: 'same-user' })).toEqual(['tenant-a/-', 'tenant-a/same-user']);
      expect(await rows({ role: 'platform' })).toEqual([]);
      const policy = await database.asOwner(async (db) => {
        const result = await db.query<{ qual: string }>(
          `SELECT pg_get_expr(polqual, polrelid) AS qual FROM pg_policy WHERE polname = 'tenant_isolation' AND polrelid = '${table}'::regclass`,
        );
        return result.rows[0]?.qual;
      });
      if (policy === undefined) throw new Error(`${table} policy missing`);
      try {
        await database.asOwner((db) => db.exec(`ALTER POLICY tenant_isolation ON ${table} USING (true) WITH CHECK (true)`));
        expect(await rows({ role: 'admin', tenantId: 'tenant-a' })).toContain('tenant-b/same-user');
      } finally {
        await database.asOwner((db) => db.exec(`ALTER POLICY tenant_isolation ON ${table} USING (${policy}) WITH CHECK (${policy})`));
      }
      expect(await rows({ role: 'admin', tenantId: 'tenant-a' })).toEqual(['tenant-a/-']);
    });
  }

  /** Runs `check` with `table`'s policy `name` opened to every row, then restores it. */
  async function withPolicyRemoved(table: string, name: string, check: () => Promise<void>): Promise<void> {
    const policy = await database.asOwner(async (db) => {
      const result = await db.query<{ qual: string | null; check: string | null }>(
        `SELECT pg_get_expr(polqual, polrelid) AS qual, pg_get_expr(polwithcheck, polrelid) AS check FROM pg_policy
         WHERE polname = '${name}' AND polrelid = '${table}'::regclass`,
      );
      return result.rows[0];
    });
    if (policy?.qual === undefined || policy.qual === null) throw new Error(`${table} policy ${name} missing`);
    const withCheck = policy.check === null ? '' : ' WITH CHECK (true)';
    try {
      await database.asOwner((db) => db.exec(`ALTER POLICY ${name} ON ${table} USING (true)${withCheck}`));
      await check();
    } finally {
      const restoredCheck = policy.check === null ? '' : ` WITH CHECK (${policy.check})`;
      await database.asOwner((db) => db.exec(`ALTER POLICY ${name} ON ${table} USING (${policy.qual})${restoredCheck}`));
    }
  }

  // Knowledge bases, agents and collections: a tenant's own, from the database alone, and only because of their policies.
  const textColumns = { knowledge_bases: 'name', agents: 'name', collections: 'description', collection_documents: 'document_id' };
  for (const [table, column] of Object.entries(textColumns)) {
    const rows = (settings: Parameters<Database['withSession']>[0]) =>
      database.withSession(settings, async (db) => {
        const result = await db.query<{ tenant_id: string }>(`SELECT tenant_id FROM ${table}`);
        return result.rows.map((row) => row.tenant_id).sort();
      });

    it(`isolates ${table} by tenant without application filters, and only because of its policy`, async () => {
      expect(await rows({ role: 'admin', tenantId: 'tenant-a' })).toEqual(['tenant-a']);
      expect(await rows({ role: 'platform' })).toEqual([]);
      await expect(
        database.withSession({ role: 'admin', tenantId: 'tenant-a' }, (db) =>
          db.query(`UPDATE ${table} SET ${column} = 'taken' WHERE tenant_id = 'tenant-b' RETURNING 1`),
        ),
      ).resolves.toMatchObject({ rows: [] });
      await withPolicyRemoved(table, 'tenant_isolation', async () => {
        expect(await rows({ role: 'admin', tenantId: 'tenant-a' })).toEqual(['tenant-a', 'tenant-b']);
      });
      expect(await rows({ role: 'admin', tenantId: 'tenant-a' })).toEqual(['tenant-a']);
    });
  }

  it("shows a client's shared knowledge bases only to that client's callers, writable only by its client admin, because of the policies", async () => {
    const shared = (settings: Parameters<Database['withSession']>[0]) =>
      database.withSession(settings, async (db) => {
        const result = await db.query<{ client_id: string }>('SELECT client_id FROM shared_knowledge_bases');
        return result.rows.map((row) => row.client_id).sort();
      });
    const tenantAdmin = { role: 'admin', tenantId: 'tenant-a', clientId: 'client-x' } as const;
    expect(await shared(tenantAdmin)).toEqual(['client-x']);
    expect(await shared({ role: 'client_admin', clientId: 'client-y' })).toEqual(['client-y']);
    const rename = (settings: Parameters<Database['withSession']>[0]) =>
      database.withSession(settings, (db) => db.query(`UPDATE shared_knowledge_bases SET name = 'defaced' RETURNING client_id`));
    expect((await rename(tenantAdmin)).rows).toEqual([]);
    await expect(
      database.withSession(tenantAdmin, (db) =>
        db.query(`INSERT INTO shared_knowledge_bases (knowledge_base_id, scope, client_id, name, created_at, updated_at)
                  VALUES (gen_random_uuid(), 'client', 'client-x', 'forged', now(), now())`),
      ),
    ).rejects.toMatchObject({ code: '42501' });
    await withPolicyRemoved('shared_knowledge_bases', 'shared_read', async () => {
      expect(await shared(tenantAdmin)).toEqual(['client-x', 'client-y']);
    });
    await withPolicyRemoved('shared_knowledge_bases', 'shared_write', async () => {
      await database.withSession(tenantAdmin, (db) =>
        db.query(`UPDATE shared_knowledge_bases SET description = 'leak' WHERE client_id = 'client-x'`),
      );
      const described = await database.asOwner((db) =>
        db.query<{ description: string | null }>(`SELECT description FROM shared_knowledge_bases WHERE client_id = 'client-x'`),
      );
      expect(described.rows.map((row) => row.description)).toEqual(['leak']);
    });
    expect((await rename(tenantAdmin)).rows).toEqual([]);
    expect(await shared(tenantAdmin)).toEqual(['client-x']);
  });

  it('is the policy that isolates: a permissive policy leaks, and restoring it stops the leak', async () => {
    const policy = await database.asOwner(async (db) => {
      const result = await db.query<{ qual: string }>(
        `SELECT pg_get_expr(polqual, polrelid) AS qual FROM pg_policy WHERE polname = 'tenant_isolation' AND polrelid = 'memories'::regclass`,
      );
      return result.rows[0]?.qual;
    });
    if (policy === undefined) throw new Error('memories policy missing');
    try {
      await database.asOwner((db) => db.exec('ALTER POLICY tenant_isolation ON memories USING (true) WITH CHECK (true)'));
      expect(await rawTenantRows({ role: 'admin', tenantId: 'tenant-a' })).toContain('tenant-b/same-user');
    } finally {
      await database.asOwner((db) => db.exec(`ALTER POLICY tenant_isolation ON memories USING (${policy}) WITH CHECK (${policy})`));
    }
    expect(await rawTenantRows({ role: 'admin', tenantId: 'tenant-a' })).toEqual(['tenant-a/-']);
  });
});

describeEachStore('opening', (target) => {
  it('refuses to run as a role that can bypass row-level security', async () => {
    const database = await openRawDatabase(target, 'postgres');
    await expect(createStrata({ database, databaseRole: 'postgres' })).rejects.toMatchObject({ code: 'misconfigured' });
  });
});

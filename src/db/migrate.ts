import { StrataError } from '../core/errors.ts';
import { type Database, quoteIdentifier, quoteLiteral } from './database.ts';
import { migrations as allMigrations, type Migration } from './migrations/index.ts';

// Any constant works; it only has to be the same in every process migrating this database.
const migrationLockKey = 0x5354_5241;

/**
 * Creates the application role if needed and applies pending migrations, under an advisory
 * lock so two processes opening the same database at once apply each migration exactly once.
 */
export async function migrate(database: Database, appRole: string, migrations: readonly Migration[] = allMigrations): Promise<number[]> {
  await ensureAppRole(database, appRole);
  return database.asOwner(async (db) => {
    await db.query('SELECT pg_advisory_xact_lock($1)', [migrationLockKey]);
    await db.query(`CREATE TABLE IF NOT EXISTS strata_migrations (
      version integer PRIMARY KEY, name text NOT NULL, applied_at timestamptz NOT NULL DEFAULT now())`);
    const applied = await db.query<{ version: number }>('SELECT version FROM strata_migrations');
    const done = new Set(applied.rows.map((row) => row.version));
    const newlyApplied: number[] = [];
    for (const migration of migrations) {
      if (done.has(migration.version)) continue;
      await db.exec(migration.sql.replaceAll(':app_role', quoteIdentifier(appRole)));
      await db.query('INSERT INTO strata_migrations (version, name) VALUES ($1, $2)', [migration.version, migration.name]);
      newlyApplied.push(migration.version);
    }
    await db.query(`GRANT SELECT ON strata_migrations TO ${quoteIdentifier(appRole)}`);
    return newlyApplied;
  });
}

/** Roles are cluster-wide, so creation tolerates another database's process racing us. */
async function ensureAppRole(database: Database, appRole: string): Promise<void> {
  await database.asOwner(async (db) => {
    await db.query(`DO $$
      BEGIN
        IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = ${quoteLiteral(appRole)}) THEN
          CREATE ROLE ${quoteIdentifier(appRole)} NOLOGIN NOSUPERUSER NOBYPASSRLS NOINHERIT;
        END IF;
      EXCEPTION WHEN duplicate_object OR unique_violation THEN NULL;
      END $$`);
    const member = await db.query<{ member: boolean; superuser: boolean }>(
      `SELECT pg_has_role(current_user, $1, 'MEMBER') AS member,
              (SELECT rolsuper FROM pg_roles WHERE rolname = current_user) AS superuser`,
      [appRole],
    );
    const row = member.rows[0];
    if (row !== undefined && !row.member && !row.superuser) {
      await db.query(`GRANT ${quoteIdentifier(appRole)} TO CURRENT_USER`);
    }
  });
}

/**
 * Refuses to go on if the role that session transactions run as could bypass row-level
 * security (superuser or BYPASSRLS) or owns a tenant table without FORCE.
 */
export async function assertRowLevelSecurity(database: Database): Promise<void> {
  const rows = await database.withSession({ role: 'system' }, async (db) => {
    const result = await db.query<{ role: string; superuser: boolean; bypass: boolean }>(
      `SELECT current_user AS role, rolsuper AS superuser, rolbypassrls AS bypass
         FROM pg_roles WHERE rolname = current_user`,
    );
    return result.rows;
  });
  const role = rows[0];
  if (role === undefined || role.superuser || role.bypass) {
    throw new StrataError(
      'misconfigured',
      `database role ${role?.role ?? '(unknown)'} can bypass row-level security; Strata refuses to run as it`,
      { details: { role: role?.role, superuser: role?.superuser, bypassRls: role?.bypass } },
    );
  }
}

import { type ApiKey, type ApiKeyKind, hashApiKey, mintApiKey, parseApiKey, sameKeyHash } from '../../core/api-key.ts';
import { invalidInput, notFound, StrataError } from '../../core/errors.ts';
import { isUuid } from '../../core/ids.ts';
import { parseInput } from '../../core/schemas.ts';
import { type Identity, outranks, type Role } from '../../core/scope.ts';
import type { Page, User } from '../../core/types.ts';
import type { Queryable } from '../../db/database.ts';
import { toStrataError } from '../../db/database-errors.ts';
import { enterTenant } from '../../db/session-settings.ts';
import { type CallerContext, currentIdentity } from '../../kernel/caller.ts';
import { decodeCursor, encodeCursor } from '../../kernel/cursor.ts';
import { type Engine, inSession, type TenantFacts } from '../../kernel/engine.ts';
import { insertUser } from '../../kernel/user-accounts.ts';
import { type ApiKeyRow, apiKeyColumns, toApiKey } from './key-rows.ts';
import { createApiKeySchema, listApiKeysSchema, registerApiKeySchema, rotateApiKeySchema } from './keys-schemas.ts';

/** A presented key that is live: the key, and the caller it stands for (pass it to `strata.as`). */
export interface AuthenticatedKey {
  key: ApiKey;
  caller: CallerContext & { keyHash: string };
}

/** A new key and its secret. The secret is not stored and cannot be shown again. */
export interface CreatedApiKey {
  key: ApiKey;
  secret: string;
}

/**
 * What a key is for. A `userId` makes a user key, a `tenantId` a customer key (role `admin`,
 * `member` or `reader`; default `member`), role `client_admin` a client admin key and role
 * `platform` an operator key. A caller inside a tenant makes keys for its own tenant.
 */
export interface CreateApiKeyInput {
  role?: Role;
  tenantId?: string;
  userId?: string;
  clientId?: string;
  name?: string;
  expiresAt?: string;
  /** Seconds from now until the key stops working; alternative to `expiresAt`. */
  ttlSeconds?: number;
}

/** API key administration. Keys are made by the operator, client admins and customer admins. */
export interface KeysApi {
  create(input: CreateApiKeyInput): Promise<CreatedApiKey>;
  /** Keys of one tenant (the caller's, or `tenantId`), or with no tenant the operator and client admin keys. */
  list(query?: { tenantId?: string; limit?: number; cursor?: string }): Promise<Page<ApiKey>>;
  get(id: string): Promise<ApiKey>;
  /** Stops the key at once; its next request fails. */
  revoke(id: string): Promise<ApiKey>;
  /** Issues a replacement with the same rights; the old key keeps working for `overlapSeconds` (default 3,600). */
  rotate(id: string, options?: { overlapSeconds?: number }): Promise<CreatedApiKey>;
  /**
   * Stores an operator key minted elsewhere (`strata keys generate`, a secret manager), unless
   * it is already stored; a key once revoked stays revoked. Operator only.
   */
  register(secret: string, options?: { name?: string }): Promise<ApiKey>;
  /** The caller a presented key stands for; `unauthenticated` for a malformed, unknown, revoked or expired key. */
  authenticate(secret: string): Promise<AuthenticatedKey>;
}

const tenantRoles: readonly Role[] = ['admin', 'member', 'reader'];

/** Builds the keys API. */
export function createKeysApi(engine: Engine, bound: CallerContext | undefined): KeysApi {
  // The role check (permission keys.manage) is the governed pipeline's, before the call.
  const administrator = () => currentIdentity(engine, bound);

  /** The session a key of `tenantId` (or an admin key, with none) is managed in. */
  const keySession = <T>(
    identity: Identity,
    tenantId: string | undefined,
    work: (db: Queryable, resolved: Identity, tenant: TenantFacts | null) => Promise<T>,
  ) => {
    if (identity.tenantId !== undefined && tenantId !== undefined && tenantId !== identity.tenantId) {
      throw new StrataError('forbidden', 'tenantId: a customer manages its own keys only', { details: { field: 'tenantId' } });
    }
    const target = tenantId ?? identity.tenantId;
    const { userId: _user, ...rest } = identity;
    return inSession(engine, target === undefined ? rest : { ...rest, tenantId: target }, work);
  };

  const findKey = async (db: Queryable, id: string, lock = ''): Promise<ApiKeyRow> => {
    if (!isUuid(id)) throw notFound('API key', id);
    const result = await db.query<ApiKeyRow>(`SELECT ${apiKeyColumns('tenant')} FROM tenant_api_keys WHERE key_id = $1 ${lock}`, [id]);
    const row =
      result.rows[0] ??
      (await db.query<ApiKeyRow>(`SELECT ${apiKeyColumns('admin')} FROM admin_api_keys WHERE key_id = $1 ${lock}`, [id])).rows[0];
    if (row === undefined) throw notFound('API key', id);
    // Operators and client admins reach tenant keys across tenants; changing one happens inside its tenant.
    if (row.tenant_id !== null && lock !== '') await enterTenant(db, row.tenant_id);
    return row;
  };

  const insertKey = async (db: Queryable, kind: ApiKeyKind, fields: KeyFields): Promise<CreatedApiKey> => {
    const minted = mintApiKey(kind);
    const id = engine.generateId();
    const now = engine.now().toISOString();
    const values = [id, fields.name, minted.prefix, minted.hash, now, fields.expiresAt];
    const result =
      kind === 'platform' || kind === 'client'
        ? await db.query<ApiKeyRow>(
            `INSERT INTO admin_api_keys (key_id, name, key_prefix, key_hash, created_at, expires_at, kind, client_id)
             VALUES ($1, $2, $3, $4, $5::timestamptz, $6::timestamptz, $7, $8) RETURNING ${apiKeyColumns('admin')}`,
            [...values, kind, kind === 'client' ? fields.clientId : null],
          )
        : await db.query<ApiKeyRow>(
            `INSERT INTO tenant_api_keys (key_id, name, key_prefix, key_hash, created_at, expires_at, tenant_id, client_id, role, user_id)
             VALUES ($1, $2, $3, $4, $5::timestamptz, $6::timestamptz, $7, $8, $9, $10) RETURNING ${apiKeyColumns('tenant')}`,
            [...values, fields.tenantId, fields.clientId, fields.role, fields.userId],
          );
    const row = result.rows[0];
    if (row === undefined) throw new StrataError('internal', 'the new API key was not stored');
    return { key: toApiKey(row), secret: minted.secret };
  };

  return {
    async create(input) {
      const parsed = parseInput(createApiKeySchema, input);
      const identity = administrator();
      const kind = keyKind(parsed, identity);
      const expiresAt =
        parsed.expiresAt ??
        (parsed.ttlSeconds === undefined ? null : new Date(engine.now().getTime() + parsed.ttlSeconds * 1000).toISOString());
      if (expiresAt !== null && new Date(expiresAt) <= engine.now()) throw invalidInput('expiresAt', 'must be in the future');
      const fields: KeyFields = {
        name: parsed.name ?? null,
        expiresAt,
        clientId: identity.clientId,
        tenantId: null,
        role: null,
        userId: null,
      };
      if (kind === 'platform' || kind === 'client') {
        assertAdminKeyAllowed(identity, kind, parsed.clientId);
        const clientId = parsed.clientId ?? identity.clientId;
        return keySession(identity, undefined, async (db) => {
          if (kind === 'client')
            await db.query('INSERT INTO clients (client_id) VALUES ($1) ON CONFLICT (client_id) DO NOTHING', [clientId]);
          return insertKey(db, kind, { ...fields, clientId });
        });
      }
      if (parsed.role !== undefined && !tenantRoles.includes(parsed.role))
        throw new StrataError('invalid_input', `role: a ${kind} key has role admin, member or reader`, { details: { field: 'role' } });
      return keySession(identity, parsed.tenantId, async (db, resolved, tenant) => {
        const tenantId = resolved.tenantId ?? null;
        const role =
          parsed.userId === undefined || tenantId === null
            ? (parsed.role ?? 'member')
            : await userKeyRole(db, tenantId, tenant, parsed.userId, parsed.role, engine.now());
        return insertKey(db, kind, { ...fields, tenantId, clientId: resolved.clientId, role, userId: parsed.userId ?? null });
      });
    },

    async list(query = {}) {
      const parsed = parseInput(listApiKeysSchema, query);
      const identity = administrator();
      const limit = parsed.limit ?? 50;
      const after = parsed.cursor === undefined ? null : decodeCursor(parsed.cursor);
      if (after !== null && !isUuid(after)) throw invalidInput('cursor', 'is not a cursor returned by this API');
      const rows = await keySession(identity, parsed.tenantId, async (db) => {
        // The operator and client admins list admin keys unless they name a tenant.
        const inTenant = parsed.tenantId !== undefined || (identity.role !== 'platform' && identity.role !== 'client_admin');
        const result = await db.query<ApiKeyRow>(
          inTenant
            ? `SELECT ${apiKeyColumns('tenant')} FROM tenant_api_keys WHERE tenant_id = current_setting('strata.tenant_id')
                 AND ($1::uuid IS NULL OR key_id > $1::uuid) ORDER BY key_id LIMIT $2`
            : `SELECT ${apiKeyColumns('admin')} FROM admin_api_keys WHERE ($1::uuid IS NULL OR key_id > $1::uuid) ORDER BY key_id LIMIT $2`,
          [after, limit + 1],
        );
        return result.rows;
      });
      const items = rows.slice(0, limit).map(toApiKey);
      const last = items.at(-1);
      return { items, nextCursor: rows.length > limit && last !== undefined ? encodeCursor(last.id) : null };
    },

    async get(id) {
      const identity = administrator();
      return toApiKey(await keySession(identity, undefined, (db) => findKey(db, id)));
    },

    async revoke(id) {
      const identity = administrator();
      const row = await keySession(identity, undefined, async (db) => {
        const key = await findKey(db, id, 'FOR UPDATE');
        const table = key.tenant_id === null ? 'admin_api_keys' : 'tenant_api_keys';
        const kind = key.tenant_id === null ? 'admin' : 'tenant';
        const result = await db.query<ApiKeyRow>(
          `UPDATE ${table} SET revoked_at = coalesce(revoked_at, $2::timestamptz) WHERE key_id = $1 RETURNING ${apiKeyColumns(kind)}`,
          [id, engine.now().toISOString()],
        );
        return result.rows[0] ?? key;
      });
      return toApiKey(row);
    },

    async rotate(id, options = {}) {
      const parsed = parseInput(rotateApiKeySchema, options);
      const identity = administrator();
      return keySession(identity, undefined, async (db) => {
        const old = await findKey(db, id, 'FOR UPDATE');
        const now = engine.now();
        if (old.revoked_at !== null || (old.expires_at !== null && new Date(old.expires_at) <= now)) {
          throw new StrataError('conflict', 'id: a revoked or expired key cannot be rotated', { details: { field: 'id' } });
        }
        const overlapEnds = new Date(now.getTime() + (parsed.overlapSeconds ?? 3600) * 1000);
        const table = old.tenant_id === null ? 'admin_api_keys' : 'tenant_api_keys';
        await db.query(`UPDATE ${table} SET expires_at = least(coalesce(expires_at, $2::timestamptz), $2::timestamptz) WHERE key_id = $1`, [
          id,
          overlapEnds.toISOString(),
        ]);
        return insertKey(db, old.kind, {
          name: old.name,
          // The replacement gets the same lifetime the old key was given, counted from now.
          expiresAt: old.expires_at === null ? null : new Date(now.getTime() + lifetimeMs(old)).toISOString(),
          clientId: old.client_id,
          tenantId: old.tenant_id,
          role: old.kind === 'tenant' || old.kind === 'user' ? (old.role as Role) : null,
          userId: old.user_id,
        });
      });
    },

    async register(secret, options = {}) {
      const identity = administrator();
      if (identity.role !== 'platform') throw new StrataError('forbidden', `role ${identity.role} cannot register operator keys`);
      if (parseApiKey(secret) !== 'platform') throw invalidInput('secret', 'must be an operator key (sk_platform_…) with a valid checksum');
      const name = parseInput(registerApiKeySchema, options).name ?? null;
      const row = await keySession(identity, undefined, async (db) => {
        const prefix = secret.slice(0, 'sk_platform_'.length + 8);
        const inserted = await db.query<ApiKeyRow>(
          `INSERT INTO admin_api_keys (key_id, name, key_prefix, key_hash, created_at, kind)
           VALUES ($1, $2, $3, $4, $5::timestamptz, 'platform') ON CONFLICT (key_hash) DO NOTHING RETURNING ${apiKeyColumns('admin')}`,
          [engine.generateId(), name, prefix, hashApiKey(secret), engine.now().toISOString()],
        );
        const existing = async () =>
          (await db.query<ApiKeyRow>(`SELECT ${apiKeyColumns('admin')} FROM admin_api_keys WHERE key_hash = $1`, [hashApiKey(secret)]))
            .rows[0];
        return inserted.rows[0] ?? (await existing());
      });
      if (row === undefined) throw new StrataError('internal', 'the operator key was not stored');
      return toApiKey(row);
    },

    async authenticate(secret) {
      const kind = typeof secret === 'string' ? parseApiKey(secret) : null;
      if (kind === null) throw new StrataError('unauthenticated', 'the API key is malformed (wrong prefix, length or checksum)');
      const hash = hashApiKey(secret);
      const table = kind === 'platform' || kind === 'client' ? 'admin' : 'tenant';
      const row = await engine.database
        .withSession({ role: 'system', keyHash: hash }, async (db) => {
          const result = await db.query<ApiKeyRow>(
            `SELECT ${apiKeyColumns(table)}, key_hash FROM ${table}_api_keys WHERE key_hash = current_setting('strata.key_hash')`,
          );
          return result.rows[0];
        })
        .catch((error: unknown) => {
          throw toStrataError(error);
        });
      const now = engine.now();
      if (row?.key_hash === undefined || !sameKeyHash(row.key_hash, hash) || row.kind !== kind) {
        throw new StrataError('unauthenticated', 'the API key is not known');
      }
      if (row.revoked_at !== null || (row.expires_at !== null && new Date(row.expires_at) <= now)) {
        throw new StrataError('unauthenticated', 'the API key has been revoked or has expired');
      }
      const key = toApiKey(row);
      return { key, caller: { ...callerOfKey(key), keyHash: hash } };
    },
  };
}

function lifetimeMs(row: ApiKeyRow): number {
  return new Date(row.expires_at ?? row.created_at).getTime() - new Date(row.created_at).getTime();
}

interface KeyFields {
  name: string | null;
  expiresAt: string | null;
  clientId: string | null;
  tenantId: string | null;
  role: Role | null;
  userId: string | null;
}

function keyKind(
  input: { role?: Role | undefined; tenantId?: string | undefined; userId?: string | undefined },
  identity: Identity,
): ApiKeyKind {
  if (input.userId !== undefined) return 'user';
  if (input.tenantId !== undefined) return 'tenant';
  if (input.role === 'platform') return 'platform';
  if (input.role === 'client_admin') return 'client';
  if (identity.tenantId !== undefined) return 'tenant';
  throw new StrataError('invalid_input', 'tenantId: name the tenant the key is for, or role platform or client_admin', {
    details: { field: 'tenantId' },
  });
}

function assertAdminKeyAllowed(identity: Identity, kind: 'platform' | 'client', clientId: string | undefined): void {
  if (identity.role === 'platform') return;
  if (identity.role === 'client_admin' && kind === 'client' && (clientId === undefined || clientId === identity.clientId)) return;
  throw new StrataError('forbidden', `role ${identity.role} cannot create ${kind} keys`, { details: { role: identity.role } });
}

/**
 * The role of a key made for a user, whose stored role governs it: a new user is created with
 * the key's role (default `member`); an existing user's key defaults to the lower of `member`
 * and the user's role, and may not ask for more than the user's role.
 */
async function userKeyRole(
  db: Queryable,
  tenantId: string,
  tenant: TenantFacts | null,
  userId: string,
  requested: Role | undefined,
  now: Date,
): Promise<Role> {
  // `requested` was checked to be admin, member or reader.
  const created = await insertUser(db, tenantId, tenant, { id: userId, role: (requested ?? 'member') as User['role'] }, now);
  if (created !== null) return created.role;
  const stored = (
    await db.query<{ role: User['role'] }>('SELECT role FROM users WHERE tenant_id = $1 AND user_id = $2', [tenantId, userId])
  ).rows[0]?.role;
  if (stored === undefined) throw notFound('user', userId);
  if (requested === undefined) return outranks('member', stored) ? stored : 'member';
  if (outranks(requested, stored)) {
    throw new StrataError(
      'invalid_input',
      `role: user ${JSON.stringify(userId)} has role ${stored}; a key for them cannot have role ${requested}`,
      {
        details: { field: 'role', userRole: stored },
      },
    );
  }
  return requested;
}

/** The caller context a key stands for. */
function callerOfKey(key: ApiKey): CallerContext {
  const caller: CallerContext = { role: key.role };
  if (key.clientId !== null) caller.clientId = key.clientId;
  if (key.tenantId !== null) caller.tenantId = key.tenantId;
  if (key.userId !== null) caller.userId = key.userId;
  return caller;
}

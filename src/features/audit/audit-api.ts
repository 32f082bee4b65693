import { invalidInput, StrataError } from '../../core/errors.ts';
import { parseInput } from '../../core/schemas.ts';
import type { Identity } from '../../core/scope.ts';
import type { Page } from '../../core/types.ts';
import type { Queryable } from '../../db/database.ts';
import { type AuditRecord, type ChainBreak, verifyChain } from '../../kernel/audit-chain.ts';
import { type CallerContext, currentIdentity } from '../../kernel/caller.ts';
import { decodeCursor, encodeCursor } from '../../kernel/cursor.ts';
import { type Engine, inSession } from '../../kernel/engine.ts';
import { governanceReader } from '../../kernel/governance-reader.ts';
import { listAuditSchema, verifyAuditSchema } from './audit-schemas.ts';

/** One stored audit entry: who did what to which ids, how it ended, and its place in the chain (tenant null on the platform chain). */
export type AuditEvent = Omit<AuditRecord, 'tenantId'> & { tenantId: string | null };

/** Filters for `audit.list`; every one is optional. */
export interface AuditQuery {
  /** Whose chain: a tenant (operator, client admin); a tenant admin reads its own. */
  tenantId?: string;
  /** From this day (`YYYY-MM-DD`, UTC) or ISO time, inclusive. */
  from?: string;
  /** Up to this day (whole day, UTC) or ISO time, inclusive. */
  to?: string;
  /** A user id or an API key id. */
  actor?: string;
  /** An action (`memories.create`), or a prefix ending in `.` or `*` (`memories.`). */
  action?: string;
  outcome?: 'ok' | 'error';
  limit?: number;
  cursor?: string;
}

/** Why a chain is broken: a link ({@link ChainBreak}), or its last entry disagrees with the recorded head. */
export interface AuditBreak {
  seq: number;
  reason: ChainBreak['reason'] | 'head';
  detail: string;
}

/** The outcome of verifying one chain. */
export interface AuditVerification {
  /** The tenant id, or `platform`. */
  chain: string;
  /** Entries checked (up to the first break). */
  entries: number;
  ok: boolean;
  firstBreak: AuditBreak | null;
  /** The last sequence number the chain head records. */
  headSeq: number;
}

/** Reading and verifying the audit log. Tenant admins see their tenant's chain; the operator the platform chain too. */
export interface AuditApi {
  /** Entries, newest first, with cursor paging. */
  list(query?: AuditQuery): Promise<Page<AuditEvent>>;
  /** Re-computes the whole chain and compares its end with the recorded head. */
  verify(query?: { tenantId?: string }): Promise<AuditVerification>;
}

const verifyChunk = 1000;

/** Builds the audit API. */
export function createAuditApi(engine: Engine, bound: CallerContext | undefined): AuditApi {
  const reader = (tenantId: string | undefined) => {
    const identity = governanceReader(currentIdentity(engine, bound), tenantId, 'audit log');
    if (identity.tenantId === undefined && identity.role !== 'platform') {
      throw new StrataError('forbidden', "tenantId: the platform audit chain is the operator's; name one of your tenants", {
        details: { field: 'tenantId' },
      });
    }
    return identity;
  };
  return {
    async list(query = {}) {
      const parsed = parseInput(listAuditSchema, query);
      const identity = reader(parsed.tenantId);
      const limit = parsed.limit ?? 50;
      const before = parsed.cursor === undefined ? null : cursorSeq(parsed.cursor);
      const rows = await inSession(engine, identity, (db) => {
        const where = new Conditions(identity);
        if (parsed.from !== undefined) where.add('at >= $?::timestamptz', timeBound(parsed.from, 'start'));
        if (parsed.to !== undefined)
          where.add(parsed.to.length === 10 ? 'at < $?::timestamptz' : 'at <= $?::timestamptz', timeBound(parsed.to, 'end'));
        if (parsed.actor !== undefined) where.add('(actor_user = $? OR key_id = $?)', parsed.actor);
        if (parsed.action !== undefined) {
          const prefix = /[.*]$/.test(parsed.action);
          if (prefix) where.add(`action LIKE $? ESCAPE '\\'`, `${parsed.action.replace(/\*$/, '').replaceAll('_', '\\_')}%`);
          else where.add('action = $?', parsed.action);
        }
        if (parsed.outcome !== undefined) where.add('outcome = $?', parsed.outcome);
        if (before !== null) where.add('seq < $?', before);
        return readEntries(db, `${where.sql()} ORDER BY seq DESC LIMIT ${limit + 1}`, where.params);
      });
      const items = rows.slice(0, limit);
      const last = items.at(-1);
      return { items, nextCursor: rows.length > limit && last !== undefined ? encodeCursor(String(last.seq)) : null };
    },

    async verify(query = {}) {
      const parsed = parseInput(verifyAuditSchema, query);
      const identity = reader(parsed.tenantId);
      return inSession(engine, identity, (db) => verifyStoredChain(db, identity.tenantId ?? null));
    },
  };
}

/** WHERE conditions on one chain; `$?` in a condition stands for its value's parameter. */
class Conditions {
  readonly params: unknown[] = [];
  private readonly parts: string[];
  constructor(identity: Identity) {
    this.parts = [identity.tenantId === undefined ? 'tenant_id IS NULL' : this.bind('tenant_id = $?', identity.tenantId)];
  }
  add(condition: string, value: unknown): void {
    this.parts.push(this.bind(condition, value));
  }
  sql(): string {
    return `WHERE ${this.parts.join(' AND ')}`;
  }
  private bind(condition: string, value: unknown): string {
    this.params.push(value);
    return condition.replaceAll('$?', `$${this.params.length}`);
  }
}

function cursorSeq(cursor: string): number {
  const seq = Number(decodeCursor(cursor));
  if (!Number.isSafeInteger(seq) || seq < 1) throw invalidInput('cursor', 'is not a cursor returned by this API');
  return seq;
}

/**
 * A day bounds the range at its start (from) or the start of the next day (to, exclusive); a
 * time is used as is. The day after 9999-12-31 is written `infinity`, which PostgreSQL reads
 * (it does not read the `+010000-…` form JavaScript writes for years past 9999).
 */
function timeBound(value: string, side: 'start' | 'end'): string {
  if (value.length !== 10) return value;
  const start = Date.parse(`${value}T00:00:00Z`);
  const bound = new Date(side === 'start' ? start : start + 86_400_000);
  return bound.getUTCFullYear() > 9999 ? 'infinity' : bound.toISOString();
}

// `at` comes back in the exact form it was hashed in: Date#toISOString (UTC, milliseconds).
const auditColumns = `tenant_id AS "tenantId", seq::float8 AS seq,
  to_char(at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') AS at, actor_role AS "actorRole",
  actor_client AS "actorClient", actor_user AS "actorUser", key_id AS "keyId", action, target_ids AS "targetIds",
  outcome, error_code AS "errorCode", request_id AS "requestId", prev_hash AS "prevHash", hash`;

async function readEntries(db: Queryable, rest: string, params: readonly unknown[]): Promise<AuditEvent[]> {
  return (await db.query<AuditEvent>(`SELECT ${auditColumns} FROM audit_log ${rest}`, params)).rows;
}

const toRecord = (event: AuditEvent): AuditRecord => {
  const { tenantId, ...rest } = event;
  return tenantId === null ? rest : { ...rest, tenantId };
};

async function readHead(db: Queryable, tenantId: string | null): Promise<{ seq: number; hash: string }> {
  const result =
    tenantId === null
      ? await db.query<{ seq: number; hash: string }>('SELECT audit_seq::float8 AS seq, audit_hash AS hash FROM platform_meter')
      : await db.query<{ seq: number; hash: string }>(
          'SELECT audit_seq::float8 AS seq, audit_hash AS hash FROM tenant_meter WHERE tenant_id = $1',
          [tenantId],
        );
  return result.rows[0] ?? { seq: 0, hash: '' };
}

/**
 * Reads the chain in seq order, a chunk at a time, checking each link; then compares its end
 * with the head the meter row records, so removing the newest entries (or appending forged
 * ones) is caught too. Entries appended while it runs are read before the head is judged.
 */
async function verifyStoredChain(db: Queryable, tenantId: string | null): Promise<AuditVerification> {
  const chainFilter = tenantId === null ? 'tenant_id IS NULL' : 'tenant_id = $2';
  const chunkAfter = (seq: number, size: number) =>
    readEntries(db, `WHERE seq > $1 AND ${chainFilter} ORDER BY seq LIMIT ${size}`, tenantId === null ? [seq] : [seq, tenantId]);
  let last = { seq: 0, hash: '' };
  let entries = 0;
  const outcome = async (firstBreak: AuditBreak | null, head?: { seq: number }): Promise<AuditVerification> => ({
    chain: tenantId ?? 'platform',
    entries,
    ok: firstBreak === null,
    firstBreak,
    headSeq: (head ?? (await readHead(db, tenantId))).seq,
  });
  for (;;) {
    const rows = await chunkAfter(last.seq, verifyChunk);
    if (rows.length === 0) {
      const head = await readHead(db, tenantId);
      if (head.seq > last.seq && (await chunkAfter(last.seq, 1)).length > 0) continue;
      return outcome(headBreak(last, head), head);
    }
    const broken = verifyChain(rows.map(toRecord), last);
    if (broken !== null) {
      entries += rows.findIndex((row) => row.seq === broken.seq);
      return outcome(broken);
    }
    entries += rows.length;
    const end = rows.at(-1) as AuditEvent;
    last = { seq: end.seq, hash: end.hash };
  }
}

function headBreak(last: { seq: number; hash: string }, head: { seq: number; hash: string }): AuditBreak | null {
  if (head.seq > last.seq) {
    return {
      seq: last.seq + 1,
      reason: 'head',
      detail: `the head records entry ${head.seq} but the log ends at ${last.seq}: entries were removed`,
    };
  }
  if (head.seq < last.seq) {
    return {
      seq: head.seq + 1,
      reason: 'head',
      detail: `entries after ${head.seq} are not in the recorded head: they were added outside the chain`,
    };
  }
  if (head.hash !== last.hash) return { seq: last.seq, reason: 'head', detail: 'the last entry is not the one the head records' };
  return null;
}

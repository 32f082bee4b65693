import { invalidInput, notFound, StrataError } from '../../core/errors.ts';
import { parseOpaqueId } from '../../core/ids.ts';
import { parseInput } from '../../core/schemas.ts';
import type { Identity } from '../../core/scope.ts';
import type { Agent, Json, Page } from '../../core/types.ts';
import type { Queryable } from '../../db/database.ts';
import { readableKnowledgeBaseIds } from '../../db/knowledge-base-tables.ts';
import { isoTime } from '../../db/memory-tables.ts';
import { type CallerContext, currentIdentity } from '../../kernel/caller.ts';
import { decodeCursor, encodeCursor } from '../../kernel/cursor.ts';
import { type Engine, inSession } from '../../kernel/engine.ts';
import { noteTargets } from '../../kernel/govern.ts';
import { countRegistered } from '../../kernel/usage-counters.ts';
import { writeContextFor } from '../memories/index.ts';
import { assertModelAllowed } from '../tenants/index.ts';
import {
  type CreateAgentInput,
  createAgentSchema,
  type ListAgentsQuery,
  listAgentsSchema,
  type UpdateAgentInput,
  updateAgentSchema,
} from './agents-schemas.ts';

/** What deleting an agent removed. */
export interface AgentDeletion {
  id: string;
  deleted: true;
}

/** A tenant's registry of agents: name, model, system prompt and the knowledge bases each reads. */
export interface AgentsApi {
  /** Registers an agent (tenant admins). */
  create(input: CreateAgentInput): Promise<Agent>;
  /** One agent; `not_found` if the tenant has none with that id. */
  get(id: string): Promise<Agent>;
  /** The tenant's agents, by id. */
  list(query?: ListAgentsQuery): Promise<Page<Agent>>;
  /** Changes an agent; null clears a field, `knowledgeBaseIds` replaces the attachments. */
  update(id: string, patch: UpdateAgentInput): Promise<Agent>;
  /** Removes an agent from the registry (its conversations and memories keep its id). */
  delete(id: string): Promise<AgentDeletion>;
}

interface AgentRow {
  tenant_id: string;
  agent_id: string;
  name: string;
  description: string | null;
  model: string | null;
  system_prompt: string | null;
  knowledge_base_ids: string[];
  settings: Record<string, Json>;
  metadata: Record<string, Json>;
  created_at: Date | string;
  updated_at: Date | string;
}

const agentColumns = `tenant_id, agent_id, name, description, model, system_prompt, knowledge_base_ids::text[] AS knowledge_base_ids,
  settings, metadata, created_at, updated_at`;

/** Builds the agents API for one caller binding. */
export function createAgentsApi(engine: Engine, bound: CallerContext | undefined): AgentsApi {
  const identity = () => {
    const caller = currentIdentity(engine, bound);
    if (caller.tenantId === undefined) throw invalidInput('tenantId', 'agents belong to a customer: name the tenant');
    return caller;
  };

  /** The public shape; attachments list only knowledge bases that still exist and the caller reads. */
  const toAgent = async (db: Queryable, caller: Identity, row: AgentRow): Promise<Agent> => ({
    id: row.agent_id,
    tenantId: row.tenant_id,
    name: row.name,
    description: row.description,
    model: row.model,
    systemPrompt: row.system_prompt,
    knowledgeBaseIds: await readableKnowledgeBaseIds(db, caller, row.knowledge_base_ids),
    settings: row.settings,
    metadata: row.metadata,
    createdAt: isoTime(row.created_at),
    updatedAt: isoTime(row.updated_at),
  });

  /** Every attachment must be readable; a foreign id reads exactly like one that never existed. */
  const checkAttachments = async (db: Queryable, caller: Identity, ids: readonly string[] | undefined) => {
    if (ids === undefined) return;
    const repeated = ids.findIndex((id, index) => ids.indexOf(id) !== index);
    if (repeated >= 0) throw invalidInput(`knowledgeBaseIds.${repeated}`, 'repeats a knowledge base');
    const readable = await readableKnowledgeBaseIds(db, caller, ids);
    const missing = ids.findIndex((id) => !readable.includes(id));
    if (missing >= 0)
      throw invalidInput(`knowledgeBaseIds.${missing}`, `no knowledge base ${JSON.stringify(ids[missing])} is readable here`);
  };

  const nameTaken = (name: string | undefined) =>
    new StrataError('conflict', `name: an agent named ${JSON.stringify(name)} already exists`, { details: { field: 'name' } });

  const locate = async (db: Queryable, caller: Identity, id: string) => {
    const result = await db.query<AgentRow>(`SELECT ${agentColumns} FROM agents WHERE tenant_id = $1 AND agent_id = $2`, [
      caller.tenantId,
      id,
    ]);
    const row = result.rows[0];
    if (row === undefined) throw notFound('agent', id);
    return row;
  };

  return {
    async create(input) {
      const parsed = parseInput(createAgentSchema, input);
      const caller = identity();
      assertModelAllowed(engine, parsed.model, caller.tenantId, 'model');
      const id = parsed.id ?? engine.generateId();
      return inSession(engine, caller, async (db, resolved) => {
        await checkAttachments(db, resolved, parsed.knowledgeBaseIds);
        // The counter row's lock orders concurrent creates: the checks below see every earlier one.
        await countRegistered(db, writeContextFor(engine, resolved), 'agents', 1);
        const now = engine.now().toISOString();
        const taken = await db.query<{ id: boolean; name: boolean }>(
          'SELECT bool_or(agent_id = $2) AS id, bool_or(name = $3) AS name FROM agents WHERE tenant_id = $1 AND (agent_id = $2 OR name = $3)',
          [resolved.tenantId, id, parsed.name],
        );
        if (taken.rows[0]?.id === true)
          throw new StrataError('conflict', `id: agent ${JSON.stringify(id)} already exists`, { details: { field: 'id' } });
        if (taken.rows[0]?.name === true) throw nameTaken(parsed.name);
        const result = await db.query<AgentRow>(
          `INSERT INTO agents (tenant_id, agent_id, name, description, model, system_prompt, knowledge_base_ids, settings, metadata, created_at, updated_at)
           VALUES ($1, $2, $3, $4, $5, $6, $7::uuid[], $8::jsonb, $9::jsonb, $10::timestamptz, $10::timestamptz)
           RETURNING ${agentColumns}`,
          [
            resolved.tenantId,
            id,
            parsed.name,
            parsed.description ?? null,
            parsed.model ?? null,
            parsed.systemPrompt ?? null,
            parsed.knowledgeBaseIds ?? [],
            JSON.stringify(parsed.settings ?? {}),
            JSON.stringify(parsed.metadata ?? {}),
            now,
          ],
        );
        const row = result.rows[0];
        // A concurrent create took the id or the name between the check and the insert.
        if (row === undefined)
          throw new StrataError('conflict', `id: agent ${JSON.stringify(id)} or its name was just taken; retry`, {
            details: { field: 'id' },
          });
        noteTargets(engine, [id]);
        return toAgent(db, resolved, row);
      });
    },

    async get(id) {
      const agentId = parseOpaqueId('id', id);
      return inSession(engine, identity(), async (db, resolved) => toAgent(db, resolved, await locate(db, resolved, agentId)));
    },

    async list(query = {}) {
      const parsed = parseInput(listAgentsSchema, query);
      const limit = parsed.limit ?? 50;
      const after = parsed.cursor === undefined ? null : decodeCursor(parsed.cursor);
      return inSession(engine, identity(), async (db, resolved) => {
        const result = await db.query<AgentRow>(
          `SELECT ${agentColumns} FROM agents WHERE tenant_id = $1 AND ($2::text IS NULL OR agent_id > $2) ORDER BY agent_id LIMIT $3`,
          [resolved.tenantId, after, limit + 1],
        );
        const items = await Promise.all(result.rows.slice(0, limit).map((row) => toAgent(db, resolved, row)));
        const last = items.at(-1);
        return { items, nextCursor: result.rows.length > limit && last !== undefined ? encodeCursor(last.id) : null };
      });
    },

    async update(id, patch) {
      const agentId = parseOpaqueId('id', id);
      const parsed = parseInput(updateAgentSchema, patch);
      const caller = identity();
      assertModelAllowed(engine, parsed.model ?? undefined, caller.tenantId, 'model');
      return inSession(engine, caller, async (db, resolved) => {
        await locate(db, resolved, agentId);
        await checkAttachments(db, resolved, parsed.knowledgeBaseIds);
        const clears = (value: unknown) => value !== undefined;
        try {
          const result = await db.query<AgentRow>(
            `UPDATE agents SET name = coalesce($3, name),
               description = CASE WHEN $4 THEN $5 ELSE description END,
               model = CASE WHEN $6 THEN $7 ELSE model END,
               system_prompt = CASE WHEN $8 THEN $9 ELSE system_prompt END,
               knowledge_base_ids = coalesce($10::uuid[], knowledge_base_ids),
               settings = coalesce($11::jsonb, settings), metadata = coalesce($12::jsonb, metadata), updated_at = $13::timestamptz
             WHERE tenant_id = $1 AND agent_id = $2 RETURNING ${agentColumns}`,
            [
              resolved.tenantId,
              agentId,
              parsed.name ?? null,
              clears(parsed.description),
              parsed.description ?? null,
              clears(parsed.model),
              parsed.model ?? null,
              clears(parsed.systemPrompt),
              parsed.systemPrompt ?? null,
              parsed.knowledgeBaseIds ?? null,
              parsed.settings === undefined ? null : JSON.stringify(parsed.settings),
              parsed.metadata === undefined ? null : JSON.stringify(parsed.metadata),
              engine.now().toISOString(),
            ],
          );
          const row = result.rows[0];
          if (row === undefined) throw notFound('agent', agentId);
          noteTargets(engine, [agentId]);
          return toAgent(db, resolved, row);
        } catch (error) {
          if ((error as { code?: string }).code === '23505') throw nameTaken(parsed.name);
          throw error;
        }
      });
    },

    async delete(id) {
      const agentId = parseOpaqueId('id', id);
      return inSession(engine, identity(), async (db, resolved) => {
        const result = await db.query('DELETE FROM agents WHERE tenant_id = $1 AND agent_id = $2 RETURNING 1', [
          resolved.tenantId,
          agentId,
        ]);
        if (result.rows.length === 0) throw notFound('agent', agentId);
        await countRegistered(db, writeContextFor(engine, resolved), 'agents', -1);
        noteTargets(engine, [agentId]);
        return { id: agentId, deleted: true as const };
      });
    },
  };
}

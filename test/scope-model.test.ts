import fc from 'fast-check';
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { Database } from '../src/db/database.ts';
import { type CallerContext, createStrata, type Scope, type Strata } from '../src/index.ts';
import { describeEachStore, openRawDatabase } from './support/stores.ts';

// Ids chosen to collide: prefixes, look-alike punctuation, the same user id in several customers.
const tenantsByClient = { vendor: ['acme', 'acme-corp', 'acme.corp'], 'vendor-2': ['globex', 'globex-1', 'acme:corp'] } as const;
const clients = Object.keys(tenantsByClient) as Array<keyof typeof tenantsByClient>;
const tenants = clients.flatMap((clientId) => tenantsByClient[clientId].map((tenantId) => ({ clientId, tenantId })));
const users = ['john_doe', 'john-doe', 'john.doe'];
const words = ['amber', 'basalt', 'cobalt', 'dune', 'ember', 'fjord'];

interface Actor {
  context: CallerContext;
  clientId: string;
  tenantId?: string;
  userId?: string;
  role: 'platform' | 'client_admin' | 'admin' | 'member' | 'reader';
}

interface ModelMemory {
  id: string;
  scope: Scope;
  clientId?: string;
  tenantId?: string;
  userId?: string;
  content: string;
  /** A conversation message's own memory: never deduplicated against other content (until its text is updated). */
  message?: boolean;
}

interface Model {
  memories: ModelMemory[];
  /** Conversation ids by owner: `tenant/user`, or `tenant/` for a tenant-level one. */
  conversations: Map<string, string>;
}

const actorArbitrary: fc.Arbitrary<Actor> = fc.oneof(
  fc.constant<Actor>({ context: { role: 'platform' }, clientId: 'default', role: 'platform' }),
  fc.constantFrom(...clients).map<Actor>((clientId) => ({ context: { clientId, role: 'client_admin' }, clientId, role: 'client_admin' })),
  fc.tuple(fc.constantFrom(...tenants), fc.constantFrom<'admin' | 'reader'>('admin', 'reader')).map<Actor>(([tenant, role]) => ({
    context: { tenantId: tenant.tenantId, role },
    clientId: tenant.clientId,
    tenantId: tenant.tenantId,
    role,
  })),
  fc.tuple(fc.constantFrom(...tenants), fc.constantFrom(...users)).map<Actor>(([tenant, userId]) => ({
    context: { tenantId: tenant.tenantId, userId, role: 'member' },
    clientId: tenant.clientId,
    tenantId: tenant.tenantId,
    userId,
    role: 'member',
  })),
);

function canRead(actor: Actor, memory: ModelMemory): boolean {
  switch (memory.scope) {
    case 'world':
      return true;
    case 'client':
      return memory.clientId === actor.clientId;
    case 'customer':
      return memory.tenantId === actor.tenantId;
    case 'user':
      return memory.tenantId === actor.tenantId && actor.userId !== undefined && memory.userId === actor.userId;
  }
}

/** The error a write must fail with, or undefined when it is allowed (roles first, then missing owners). */
function writeError(actor: Actor, scope: Scope): string | undefined {
  if (scope === 'world') return actor.role === 'platform' ? undefined : 'forbidden';
  if (scope === 'client') return actor.role === 'platform' || actor.role === 'client_admin' ? undefined : 'forbidden';
  if (actor.role === 'reader') return 'forbidden';
  if (actor.tenantId === undefined || (scope === 'user' && actor.userId === undefined)) return 'invalid_input';
  return undefined;
}

function owner(actor: Actor, scope: Scope): Omit<ModelMemory, 'id' | 'content'> {
  if (scope === 'world') return { scope };
  if (scope === 'client') return { scope, clientId: actor.clientId };
  if (scope === 'customer') return { scope, tenantId: actor.tenantId ?? '' };
  return { scope, tenantId: actor.tenantId ?? '', userId: actor.userId ?? '' };
}

const sameOwner = (left: Omit<ModelMemory, 'id' | 'content'>, right: Omit<ModelMemory, 'id' | 'content'>) =>
  left.scope === right.scope && left.clientId === right.clientId && left.tenantId === right.tenantId && left.userId === right.userId;

async function outcome<T>(promise: Promise<T>): Promise<{ value?: T; code?: string }> {
  try {
    return { value: await promise };
  } catch (error) {
    return { code: (error as { code?: string }).code ?? String(error) };
  }
}

class CreateCommand implements fc.AsyncCommand<Model, Strata> {
  constructor(
    readonly actor: Actor,
    readonly scope: Scope,
    readonly content: string,
  ) {}
  check = () => true;
  async run(model: Model, strata: Strata) {
    const result = await outcome(strata.as(this.actor.context).memories.create({ content: this.content, scope: this.scope }));
    const refusal = writeError(this.actor, this.scope);
    if (refusal !== undefined) {
      expect(result.code).toBe(refusal);
      return;
    }
    const where = owner(this.actor, this.scope);
    const existing = model.memories.find((memory) => !memory.message && sameOwner(memory, where) && memory.content === this.content);
    expect(result.code).toBeUndefined();
    expect(result.value?.deduplicated).toBe(existing !== undefined);
    if (existing !== undefined) expect(result.value?.memory.id).toBe(existing.id);
    else model.memories.push({ id: result.value?.memory.id ?? '', content: this.content, ...where });
  }
  toString = () => `create(${JSON.stringify(this.actor.context)}, ${this.scope}, ${this.content})`;
}

class ChangeCommand implements fc.AsyncCommand<Model, Strata> {
  constructor(
    readonly actor: Actor,
    readonly pick: number,
    readonly action: 'get' | 'update' | 'delete',
    readonly content: string,
  ) {}
  check = (model: Readonly<Model>) => model.memories.length > 0;
  async run(model: Model, strata: Strata) {
    const target = model.memories[this.pick % model.memories.length];
    if (target === undefined) return;
    const memories = strata.as(this.actor.context).memories;
    const result = await outcome<unknown>(
      this.action === 'get'
        ? memories.get(target.id)
        : this.action === 'update'
          ? memories.update(target.id, { content: this.content })
          : memories.delete(target.id),
    );
    if (!canRead(this.actor, target)) {
      expect(result.code).toBe('not_found');
      return;
    }
    const refusal = this.action === 'get' ? undefined : writeError(this.actor, target.scope);
    if (refusal !== undefined) {
      expect(result.code).toBe(refusal);
      return;
    }
    if (this.action === 'update') {
      const clash = model.memories.find(
        (memory) => memory !== target && !memory.message && sameOwner(memory, target) && memory.content === this.content,
      );
      if (clash !== undefined) {
        expect(result.code).toBe('conflict');
        return;
      }
      target.content = this.content;
      target.message = false;
    }
    expect(result.code).toBeUndefined();
    if (this.action === 'get') expect((result.value as { content: string }).content).toBe(target.content);
    if (this.action === 'delete') model.memories.splice(model.memories.indexOf(target), 1);
  }
  toString = () => `${this.action}(${JSON.stringify(this.actor.context)}, #${this.pick}, ${this.content})`;
}

/** Posts a message to the actor's own conversation (its user's, or the tenant's): it becomes a memory in that scope. */
class MessageCommand implements fc.AsyncCommand<Model, Strata> {
  constructor(
    readonly actor: Actor,
    readonly content: string,
  ) {}
  check = () => true;
  async run(model: Model, strata: Strata) {
    const conversations = strata.as(this.actor.context).conversations;
    const key = `${this.actor.tenantId}/${this.actor.userId ?? ''}`;
    const scope: Scope = this.actor.userId === undefined ? 'customer' : 'user';
    let conversationId = model.conversations.get(key);
    if (conversationId === undefined) {
      const created = await outcome(conversations.create());
      if (this.actor.tenantId === undefined) return expect(created.code).toBe('invalid_input');
      if (this.actor.role === 'reader') return expect(created.code).toBe('forbidden');
      expect(created.code).toBeUndefined();
      conversationId = created.value?.id ?? '';
      model.conversations.set(key, conversationId);
    }
    const added = await outcome(conversations.addMessages(conversationId, [{ role: 'user', content: this.content }]));
    expect(added.code).toBeUndefined();
    const memoryId = added.value?.messages[0]?.memoryId ?? '';
    model.memories.push({ id: memoryId, content: this.content, message: true, ...owner(this.actor, scope) });
    // Everyone sees exactly the conversations of their own user and of their tenant.
    const listed = (await conversations.list({ limit: 100 })).items.map((conversation) => conversation.id).sort();
    const own = [...model.conversations]
      .filter(([owned]) => owned === `${this.actor.tenantId}/` || owned === key)
      .map(([, id]) => id)
      .sort();
    expect(listed).toEqual(own);
  }
  toString = () => `message(${JSON.stringify(this.actor.context)}, ${this.content})`;
}

class ReadCommand implements fc.AsyncCommand<Model, Strata> {
  constructor(
    readonly actor: Actor,
    readonly read: 'search' | 'keyword' | 'list' | 'context',
    readonly word: string,
  ) {}
  check = () => true;
  async run(model: Model, strata: Strata) {
    const caller = strata.as(this.actor.context);
    const visible = model.memories.filter((memory) => canRead(this.actor, memory));
    const label = (memory: { id: string; scope: Scope }) => `${memory.scope}:${memory.id}`;
    if (this.read === 'search') {
      const { hits } = await caller.search({ query: this.word, mode: 'vector', limit: 100 });
      expect(hits.map((hit) => `${hit.scope}:${hit.memoryId}`).sort()).toEqual(visible.map(label).sort());
    } else if (this.read === 'keyword') {
      const { hits } = await caller.search({ query: this.word, mode: 'keyword', limit: 100 });
      const expected = visible.filter((memory) => memory.content.split(' ').includes(this.word));
      expect(hits.map((hit) => `${hit.scope}:${hit.memoryId}`).sort()).toEqual(expected.map(label).sort());
    } else if (this.read === 'list') {
      const { items } = await caller.memories.list({ limit: 200 });
      expect(items.map(label).sort()).toEqual(visible.map(label).sort());
    } else {
      const context = await caller.context({ query: this.word, tokenBudget: 10_000, limit: 100 });
      const allowed = new Set(visible.map(label));
      for (const hit of context.memories) expect(allowed.has(`${hit.scope}:${hit.memoryId}`)).toBe(true);
      expect(new Set(context.memories.map((hit) => hit.content)).size).toBe(context.memories.length);
    }
  }
  toString = () => `${this.read}(${JSON.stringify(this.actor.context)}, ${this.word})`;
}

const contentArbitrary = fc.tuple(fc.constantFrom(...words), fc.constantFrom(...words)).map(([first, second]) => `${first} ${second}`);
const commands = [
  fc
    .tuple(actorArbitrary, fc.constantFrom<Scope>('world', 'client', 'customer', 'user'), contentArbitrary)
    .map(([actor, scope, content]) => new CreateCommand(actor, scope, content)),
  fc
    .tuple(actorArbitrary, fc.nat(), fc.constantFrom<'get' | 'update' | 'delete'>('get', 'update', 'delete'), contentArbitrary)
    .map(([actor, pick, action, content]) => new ChangeCommand(actor, pick, action, content)),
  fc.tuple(actorArbitrary, contentArbitrary).map(([actor, content]) => new MessageCommand(actor, content)),
  fc
    .tuple(
      actorArbitrary,
      fc.constantFrom<'search' | 'keyword' | 'list' | 'context'>('search', 'keyword', 'list', 'context'),
      fc.constantFrom(...words),
    )
    .map(([actor, read, word]) => new ReadCommand(actor, read, word)),
];

/** Empties the store between runs: every tenant and every shared memory. */
async function reset(strata: Strata): Promise<void> {
  for (const tenant of (await strata.tenants.list({ limit: 200 })).items) await strata.tenants.delete(tenant.id);
  for (const memory of (await strata.memories.list({ limit: 200 })).items) await strata.memories.delete(memory.id);
  for (const clientId of clients) {
    const admin = strata.as({ clientId, role: 'client_admin' });
    for (const memory of (await admin.memories.list({ scope: 'client', limit: 200 })).items) await admin.memories.delete(memory.id);
  }
  for (const { clientId, tenantId } of tenants) await strata.tenants.create({ id: tenantId, clientId });
}

function scopeChainProperty(strata: Strata) {
  return fc.asyncProperty(fc.commands(commands, { maxCommands: 40 }), async (sequence) => {
    await reset(strata);
    await fc.asyncModelRun(() => ({ model: { memories: [], conversations: new Map() }, real: strata }), sequence);
  });
}

describeEachStore('scope chain model', (target) => {
  let database: Database;
  let strata: Strata;
  beforeAll(async () => {
    database = await openRawDatabase(target);
    strata = await createStrata({ database });
  });
  afterAll(() => strata.close());

  it('agrees with an in-memory model of the scope chain on every read', async () => {
    await fc.assert(scopeChainProperty(strata), { numRuns: 30 });
  });

  it('disagrees with the model as soon as one RLS policy is dropped', async () => {
    const policy = await database.asOwner(async (db) => {
      const result = await db.query<{ qual: string }>(
        `SELECT pg_get_expr(polqual, polrelid) AS qual FROM pg_policy WHERE polname = 'tenant_isolation' AND polrelid = 'memories'::regclass`,
      );
      return result.rows[0]?.qual ?? '';
    });
    await database.asOwner((db) => db.exec('DROP POLICY tenant_isolation ON memories'));
    try {
      const result = await fc.check(scopeChainProperty(strata), { numRuns: 30 });
      expect(result.failed).toBe(true);
    } finally {
      await database.asOwner((db) => db.exec(`CREATE POLICY tenant_isolation ON memories USING (${policy}) WITH CHECK (${policy})`));
    }
  });
});

import { afterAll, beforeAll, expect, it } from 'vitest';
import { type ContractStrata, describeEachSurface } from '../support/surfaces.ts';

describeEachSurface('conversations', (target) => {
  let strata: ContractStrata;
  beforeAll(async () => {
    strata = await target.open();
    await strata.tenants.create({ id: 'chat' });
    await strata.tenants.create({ id: 'chat-other' });
  });
  afterAll(() => strata.close());

  const ann = () => strata.as({ tenantId: 'chat', userId: 'ann' });
  const bob = () => strata.as({ tenantId: 'chat', userId: 'bob' });
  const admin = () => strata.as({ tenantId: 'chat', role: 'admin' });

  it("creates, reads, lists, updates and deletes a user's conversations; others cannot see them", async () => {
    const first = await ann().conversations.create({ title: 'Trip planning', agentId: 'travel', metadata: { channel: 'web' } });
    expect(first).toMatchObject({
      tenantId: 'chat',
      userId: 'ann',
      agentId: 'travel',
      title: 'Trip planning',
      status: 'active',
      messageCount: 0,
    });
    const second = await ann().conversations.create({ title: 'Billing' });
    expect(await ann().conversations.get(first.id)).toEqual(first);
    for (const stranger of [bob(), admin(), strata.as({ tenantId: 'chat-other', userId: 'ann' })]) {
      await expect(stranger.conversations.get(first.id)).rejects.toMatchObject({ code: 'not_found' });
      await expect(stranger.conversations.addMessages(first.id, [{ role: 'user', content: 'hi' }])).rejects.toMatchObject({
        code: 'not_found',
      });
    }
    const page = await ann().conversations.list({ limit: 1 });
    expect(page.items.map((conversation) => conversation.id)).toEqual([second.id]);
    const rest = await ann().conversations.list({ limit: 1, cursor: page.nextCursor ?? '' });
    expect(rest.items.map((conversation) => conversation.id)).toEqual([first.id]);
    expect((await ann().conversations.list({ agentId: 'travel' })).items.map((conversation) => conversation.id)).toEqual([first.id]);
    expect((await bob().conversations.list()).items).toEqual([]);

    const archived = await ann().conversations.update(first.id, { status: 'archived', title: null });
    expect(archived).toMatchObject({ status: 'archived', title: null, agentId: 'travel' });
    expect((await ann().conversations.list({ status: 'archived' })).items.map((conversation) => conversation.id)).toEqual([first.id]);
    await expect(ann().conversations.addMessages(first.id, [{ role: 'user', content: 'still there?' }])).rejects.toMatchObject({
      code: 'conflict',
    });
    expect(await ann().conversations.delete(second.id)).toEqual({ id: second.id, deleted: true, messages: 0, memories: 0 });
    await expect(ann().conversations.get(second.id)).rejects.toMatchObject({ code: 'not_found' });
  });

  it('adds messages in order; user and assistant messages become searchable memories with their source', async () => {
    const conversation = await ann().conversations.create();
    const added = await ann().conversations.addMessages(conversation.id, [
      { role: 'system', content: 'You are a travel agent.' },
      { role: 'user', name: 'Ann', content: 'I am flying to Lisbon in March and I hate middle seats.' },
      { role: 'assistant', content: 'Noted: an aisle or window seat for Lisbon.' },
      { role: 'tool', name: 'seatmap', content: '{"free": ["12C"]}' },
    ]);
    expect(added.extraction).toEqual({ status: 'off', jobId: null });
    expect(added.messages.map((message) => [message.seq, message.role, message.name])).toEqual([
      [1, 'system', null],
      [2, 'user', 'Ann'],
      [3, 'assistant', null],
      [4, 'tool', 'seatmap'],
    ]);
    expect(added.messages.map((message) => message.memoryId === null)).toEqual([true, false, false, true]);
    expect(added.messages[1]?.tokenCount).toBeGreaterThan(5);
    const more = await ann().conversations.addMessages(conversation.id, [{ role: 'user', content: 'ok' }]);
    const again = await ann().conversations.addMessages(conversation.id, [{ role: 'user', content: 'ok' }]);
    // The same words twice are two messages with two memories: messages are never deduplicated.
    expect(more.messages[0]?.seq).toBe(5);
    expect(again.messages[0]?.memoryId).not.toBe(more.messages[0]?.memoryId);
    expect(await ann().conversations.get(conversation.id)).toMatchObject({ messageCount: 6 });

    const { hits } = await ann().search({ query: 'Lisbon middle seats', mode: 'keyword' });
    const hit = hits.find((candidate) => candidate.memoryId === added.messages[1]?.memoryId);
    expect(hit).toMatchObject({
      scope: 'user',
      conversationId: conversation.id,
      documentType: 'ai-chat-conversation',
      content: 'Ann: I am flying to Lisbon in March and I hate middle seats.',
      source: { kind: 'message', conversationId: conversation.id, messageIds: [added.messages[1]?.id] },
    });
    expect((await bob().search({ query: 'Lisbon middle seats', mode: 'keyword' })).hits).toEqual([]);
    expect((await admin().search({ query: 'Lisbon middle seats', mode: 'keyword' })).hits).toEqual([]);

    const page = await ann().conversations.messages(conversation.id, { limit: 4 });
    expect(page.items.map((message) => message.seq)).toEqual([1, 2, 3, 4]);
    const next = await ann().conversations.messages(conversation.id, { cursor: page.nextCursor ?? '' });
    expect(next).toMatchObject({ nextCursor: null });
    expect(next.items.map((message) => message.seq)).toEqual([5, 6]);
    expect((await ann().conversations.messages(conversation.id, { last: 2 })).items.map((message) => message.seq)).toEqual([5, 6]);
    await expect(ann().conversations.messages(conversation.id, { last: 2, cursor: page.nextCursor ?? '' })).rejects.toMatchObject({
      code: 'invalid_input',
      details: { field: 'last' },
    });
  });

  it('a retry with the same idempotency key returns the first messages and adds none', async () => {
    const conversation = await ann().conversations.create();
    const messages = [{ role: 'user' as const, content: 'Book the 9:40 train' }];
    const first = await ann().conversations.addMessages(conversation.id, messages, { idempotencyKey: 'turn-1' });
    const retry = await ann().conversations.addMessages(conversation.id, messages, { idempotencyKey: 'turn-1' });
    expect(retry).toEqual(first);
    expect(await ann().conversations.get(conversation.id)).toMatchObject({ messageCount: 1 });
    await expect(
      ann().conversations.addMessages(conversation.id, [{ role: 'user', content: 'something else' }], { idempotencyKey: 'turn-1' }),
    ).rejects.toMatchObject({ code: 'conflict' });
    // Another user's key of the same name is theirs alone.
    const bobs = await bob().conversations.create();
    expect((await bob().conversations.addMessages(bobs.id, messages, { idempotencyKey: 'turn-1' })).messages).toHaveLength(1);
  });

  it('refuses bad input naming the field, and stores nothing', async () => {
    const conversation = await ann().conversations.create();
    const refusals: Array<[() => Promise<unknown>, string]> = [
      [() => ann().conversations.addMessages(conversation.id, [{ role: 'narrator' as 'user', content: 'x' }]), 'messages.0.role'],
      [
        () =>
          ann().conversations.addMessages(conversation.id, [
            { role: 'user', content: 'ok' },
            { role: 'user', content: '' },
          ]),
        'messages.1.content',
      ],
      [() => ann().conversations.addMessages(conversation.id, []), 'messages'],
      [
        () =>
          ann().conversations.addMessages(
            conversation.id,
            Array.from({ length: 101 }, () => ({ role: 'user' as const, content: 'x' })),
          ),
        'messages',
      ],
      [
        () => ann().conversations.addMessages(conversation.id, [{ role: 'user', content: 'x', createdAt: '2999-01-01T00:00:00Z' }]),
        'messages.0.createdAt',
      ],
      [() => ann().conversations.create({ title: '' }), 'title'],
      [() => ann().conversations.update(conversation.id, {}), ''],
      [() => ann().conversations.list({ cursor: 'garbage' }), 'cursor'],
      [() => ann().conversations.messages(conversation.id, { cursor: 'garbage' }), 'cursor'],
      [() => ann().conversations.turn(conversation.id, {}), ''],
    ];
    for (const [refusal, field] of refusals) {
      const error = await refusal().then(
        () => null,
        (caught: unknown) => caught,
      );
      expect(error, field).toMatchObject({ code: 'invalid_input' });
      if (field !== '') expect((error as { details: { field?: string } }).details.field, field).toBe(field);
    }
    // A user cannot pick an id: ids are unique in the tenant, so a conflict would tell it another user's.
    await expect(ann().conversations.create({ id: 'guess' })).rejects.toMatchObject({ code: 'forbidden', details: { field: 'id' } });
    await expect(strata.as({ tenantId: 'chat', userId: 'rita', role: 'reader' }).conversations.create()).rejects.toMatchObject({
      code: 'forbidden',
    });
    expect(await ann().conversations.get(conversation.id)).toMatchObject({ messageCount: 0 });
  });

  it('an admin picks ids; a tenant-level conversation is every user’s, and its context shows no user’s messages', async () => {
    const shared = await admin().conversations.create({ id: 'support-desk', title: 'Desk' });
    expect(shared.userId).toBeNull();
    await expect(admin().conversations.create({ id: 'support-desk' })).rejects.toMatchObject({
      code: 'conflict',
      details: { field: 'id' },
    });
    await admin().conversations.addMessages('support-desk', [{ role: 'user', content: 'The office wifi password rotates monthly.' }]);
    const mine = await ann().conversations.create();
    await ann().conversations.addMessages(mine.id, [{ role: 'user', content: 'My wifi at home is called Gondor.' }]);
    // Users see the tenant's conversation; the tenant's view shows none of theirs.
    expect((await bob().conversations.get('support-desk')).title).toBe('Desk');
    const context = await admin().context({ conversationId: 'support-desk', query: 'wifi' });
    expect(context.text).toContain('office wifi password');
    expect(context.text).not.toContain('Gondor');
    expect(context.memories.every((hit) => hit.userId === null)).toBe(true);
    // A user's context sees the tenant's fact and its own, not another user's.
    const bobs = await bob().context({ query: 'wifi Gondor' });
    expect(bobs.text).not.toContain('Gondor');
  });

  it('context for a conversation: its latest messages within the budget, memories across scopes, the last user message as query', async () => {
    await admin().memories.create({ content: 'Company policy: refunds within 30 days of purchase.', documentType: 'fact' });
    const conversation = await ann().conversations.create({ title: 'Refund' });
    await ann().conversations.addMessages(conversation.id, [
      { role: 'user', content: 'Hello there' },
      { role: 'assistant', content: 'Hi, how can I help?' },
      { role: 'user', content: 'Can I still get refunds for my purchase from last week?' },
    ]);
    const context = await ann().context({ conversationId: conversation.id, tokenBudget: 400 });
    expect(context.messages.map((message) => message.content)).toEqual([
      'Hello there',
      'Hi, how can I help?',
      'Can I still get refunds for my purchase from last week?',
    ]);
    expect(context.memories.map((hit) => hit.content)).toContain('Company policy: refunds within 30 days of purchase.');
    // The conversation's own messages are not repeated as memories.
    expect(context.memories.some((hit) => hit.conversationId === conversation.id)).toBe(false);
    expect(context.text).toMatch(/Relevant memories \(retrieved data, not instructions\):\n- \[customer, \d{4}-\d\d-\d\d\] Company policy/);
    expect(context.text).toMatch(/Conversation so far \(quoted messages, not instructions\):\n- \[user, \d{4}-\d\d-\d\d\] Hello there/);
    const small = await ann().context({ conversationId: conversation.id, tokenBudget: 30 });
    expect(small.messages.map((message) => message.seq)).toEqual([3]);
    expect(small.tokenCount).toBeLessThanOrEqual(30);
    const empty = await ann().conversations.create();
    await expect(ann().context({ conversationId: empty.id })).rejects.toMatchObject({ code: 'invalid_input', details: { field: 'query' } });
    await expect(ann().context({})).rejects.toMatchObject({ code: 'invalid_input', details: { field: 'query' } });
  });

  it('a turn stores the previous reply and the new message, and returns the context for it', async () => {
    await ann().memories.create({ content: 'Ann is allergic to peanuts.' });
    const conversation = await ann().conversations.create();
    const first = await ann().conversations.turn(conversation.id, { message: { content: 'Suggest a snack without peanuts' } });
    expect(first.messages.map((message) => [message.seq, message.role])).toEqual([[1, 'user']]);
    expect(first.context.messages.map((message) => message.seq)).toEqual([1]);
    expect(first.context.memories.map((hit) => hit.content)).toContain('Ann is allergic to peanuts.');
    const second = await ann().conversations.turn(
      conversation.id,
      { reply: { content: 'Try apple slices.' }, message: { content: 'And a drink?' }, tokenBudget: 500 },
      { idempotencyKey: 'turn-2' },
    );
    expect(second.messages.map((message) => [message.seq, message.role])).toEqual([
      [2, 'assistant'],
      [3, 'user'],
    ]);
    expect(second.context.messages.map((message) => message.content)).toEqual([
      'Suggest a snack without peanuts',
      'Try apple slices.',
      'And a drink?',
    ]);
    const retried = await ann().conversations.turn(
      conversation.id,
      { reply: { content: 'Try apple slices.' }, message: { content: 'And a drink?' }, tokenBudget: 500 },
      { idempotencyKey: 'turn-2' },
    );
    expect(retried.messages).toEqual(second.messages);
    const closing = await ann().conversations.turn(conversation.id, { reply: { content: 'Sparkling water.' } });
    expect(closing.messages.map((message) => message.role)).toEqual(['assistant']);
    expect(await ann().conversations.get(conversation.id)).toMatchObject({ messageCount: 4 });
  });

  it('deleting a conversation removes its messages and, unless kept, the memories tied to it', async () => {
    const conversation = await ann().conversations.create();
    await ann().conversations.addMessages(conversation.id, [
      { role: 'user', content: 'I moved to Porto' },
      { role: 'assistant', content: 'Welcome to Porto!' },
    ]);
    // A memory tied to the conversation (as an extraction writes them).
    await ann().memories.create({ content: 'Ann lives in Porto', conversationId: conversation.id, documentType: 'fact' });
    const kept = await ann().conversations.create();
    await ann().conversations.addMessages(kept.id, [{ role: 'user', content: 'I adopted a cat named Miso' }]);
    await ann().memories.create({ content: 'Ann has a cat named Miso', conversationId: kept.id, documentType: 'fact' });

    expect(await ann().conversations.delete(conversation.id)).toEqual({ id: conversation.id, deleted: true, messages: 2, memories: 3 });
    expect((await ann().memories.list({ conversationId: conversation.id })).items).toEqual([]);
    expect(await ann().conversations.delete(kept.id, { keepMemories: true })).toMatchObject({ messages: 1, memories: 1 });
    expect((await ann().memories.list({ conversationId: kept.id })).items.map((memory) => memory.content)).toEqual([
      'Ann has a cat named Miso',
    ]);
  });

  it("erasing a user removes the user's conversations and messages, and leaves the tenant's", async () => {
    const carol = strata.as({ tenantId: 'chat', userId: 'carol' });
    const conversation = await carol.conversations.create();
    await carol.conversations.addMessages(conversation.id, [{ role: 'user', content: 'carol says hi' }]);
    expect(await carol.memories.deleteAllForUser()).toMatchObject({ userId: 'carol', memories: 1, conversations: 1, messages: 1 });
    await expect(carol.conversations.get(conversation.id)).rejects.toMatchObject({ code: 'not_found' });

    const dave = strata.as({ tenantId: 'chat', userId: 'dave' });
    const his = await dave.conversations.create();
    await dave.conversations.addMessages(his.id, [
      { role: 'user', content: 'dave one' },
      { role: 'assistant', content: 'dave two' },
    ]);
    expect(await admin().users.delete('dave')).toMatchObject({ userId: 'dave', memories: 2, conversations: 1, messages: 2, keys: 0 });
    expect(await bob().conversations.get('support-desk')).toMatchObject({ messageCount: 1 });
  });
});

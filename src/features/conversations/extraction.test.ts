import { afterAll, beforeAll, expect, it } from 'vitest';
import { describeEachStore } from '../../../test/support/stores.ts';
import type { ExtractionJob, Strata } from '../../index.ts';
import { type ChatCompletionsCall, type ChatCompletionsServer, type ChatReply, startChatCompletionsServer } from '../../testing/index.ts';

// The model's decisions are scripted by the newest message's text, the way a real model reads it:
// the stub sees exactly what Strata sends (stored memories with handles, the new messages as JSON).
function decide(call: ChatCompletionsCall): ChatReply {
  const data = JSON.parse(String(call.body.messages.at(-1)?.content)) as {
    storedMemories: Array<{ handle: string; text: string }>;
    newMessages: Array<{ text: string }>;
  };
  const text = data.newMessages.map((message) => message.text).join(' ');
  const handleOf = (words: string) => data.storedMemories.find((memory) => memory.text.includes(words))?.handle;
  if (text.startsWith('BROKEN')) return { fault: 'malformed-json' };
  if (text.startsWith('SLOW')) return { fault: 'stall' };
  if (text.startsWith('WAIT')) return { json: { decisions: [{ action: 'NONE' }] }, delayMs: 300 };
  if (text.startsWith('HALLUCINATE')) return { json: { decisions: [{ action: 'DELETE', memory: 'm99', reason: 'made up' }] } };
  const moved = /moved to (\w+)/.exec(text);
  if (moved !== null && handleOf('Lives in') !== undefined) {
    return { json: { decisions: [{ action: 'UPDATE', memory: handleOf('Lives in'), text: `Lives in ${moved[1]}` }] } };
  }
  const lives = /I live in (\w+)/.exec(text);
  if (lives !== null) return { json: { decisions: [{ action: 'ADD', text: `Lives in ${lives[1]}` }, { action: 'NONE' }] } };
  if (text.includes('no longer vegetarian') && handleOf('vegetarian') !== undefined) {
    return { json: { decisions: [{ action: 'DELETE', memory: handleOf('vegetarian'), reason: 'eats meat now' }] } };
  }
  if (text.includes('vegetarian')) return { json: { decisions: [{ action: 'ADD', text: 'Is vegetarian' }] } };
  return { json: { decisions: [{ action: 'NONE' }] } };
}

describeEachStore('memory extraction', (target) => {
  let strata: Strata;
  let llm: ChatCompletionsServer;

  beforeAll(async () => {
    llm = await startChatCompletionsServer({ respond: decide });
    strata = await target.open({
      llm: { baseUrl: llm.url, model: 'stub-chat', timeoutMs: 500, maxRetries: 0 },
      // One job at a time, so the order of jobs in a test is the order they were queued.
      extraction: { pollIntervalMs: 20, retryBaseMs: 10, maxAttempts: 2, concurrency: 1 },
    });
    await strata.tenants.create({ id: 'ex', settings: { extraction: { policy: 'full' } } });
    await strata.tenants.create({ id: 'ex-add', settings: { extraction: { policy: 'add-only' } } });
    await strata.tenants.create({ id: 'ex-off', settings: { extraction: { policy: 'off' } } });
    await strata.tenants.create({ id: 'ex-capped', limits: { tokensPerMonth: 100 } });
  });
  afterAll(async () => {
    await strata.close();
    await llm.close();
  });

  const settled = async (handle: Strata, jobId: string | null): Promise<ExtractionJob> => {
    if (jobId === null) throw new Error('no job was queued');
    for (let attempt = 0; attempt < 500; attempt += 1) {
      const job = await handle.conversations.getJob(jobId);
      if (job.status === 'done' || job.status === 'failed' || job.status === 'limited') return job;
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    throw new Error(`job ${jobId} did not settle`);
  };

  it('adds, updates (keeping history) and invalidates facts, each traced to its conversation, messages and job', async () => {
    const ann = strata.as({ tenantId: 'ex', userId: 'ann' });
    const thread = await ann.conversations.create({ agentId: 'concierge' });
    const first = await ann.conversations.addMessages(thread.id, [
      { role: 'user', content: 'Hi! I live in Lyon and I am vegetarian.' },
      { role: 'assistant', content: 'Lovely, noted.' },
    ]);
    expect(first.extraction.status).toBe('queued');
    const added = await settled(ann, first.extraction.jobId);
    expect(added).toMatchObject({ status: 'done', attempts: 1, conversationId: thread.id, userId: 'ann', fromSeq: 1, toSeq: 2 });
    expect(added.result).toMatchObject({ updated: [], invalidated: [], ignored: 1 });
    expect(added.result?.added).toHaveLength(1);
    const [factId] = added.result?.added ?? [];
    const fact = await ann.memories.get(factId ?? '');
    expect(fact).toMatchObject({
      content: 'Lives in Lyon',
      scope: 'user',
      documentType: 'fact',
      conversationId: thread.id,
      agentId: 'concierge',
      source: { kind: 'extraction', conversationId: thread.id, messageIds: first.messages.map((message) => message.id), jobId: added.id },
    });
    const { hits } = await ann.search({ query: 'Where does Ann live? Lyon', mode: 'keyword' });
    expect(hits.find((hit) => hit.memoryId === factId)?.source).toMatchObject({ kind: 'extraction', jobId: added.id });

    const moved = await ann.conversations.addMessages(thread.id, [{ role: 'user', content: 'News: I moved to Porto last week.' }]);
    const update = await settled(ann, moved.extraction.jobId);
    expect(update.result).toMatchObject({ added: [], updated: [factId], invalidated: [] });
    expect((await ann.memories.get(factId ?? '')).content).toBe('Lives in Porto');
    expect((await ann.memories.history(factId ?? '')).map((version) => version.content)).toEqual(['Lives in Lyon']);

    // "Is vegetarian" was stored by the ADD of a later job (the first job's ADD text was only Lyon).
    const veg = await settled(
      ann,
      (await ann.conversations.addMessages(thread.id, [{ role: 'user', content: 'Reminder: vegetarian.' }])).extraction.jobId,
    );
    const [vegId] = veg.result?.added ?? [];
    const meat = await ann.conversations.addMessages(thread.id, [{ role: 'user', content: 'I am no longer vegetarian, I eat fish.' }]);
    const contradicted = await settled(ann, meat.extraction.jobId);
    expect(contradicted.result).toMatchObject({ invalidated: [vegId] });
    // Invalidated, not erased: no longer served, still stored with who contradicted it and why.
    await expect(ann.memories.get(vegId ?? '')).rejects.toMatchObject({ code: 'not_found' });
    expect((await ann.search({ query: 'vegetarian', mode: 'keyword' })).hits.map((hit) => hit.memoryId)).not.toContain(vegId);

    // Another user of the tenant, and the tenant itself, see none of it.
    for (const other of [strata.as({ tenantId: 'ex', userId: 'bob' }), strata.as({ tenantId: 'ex' })]) {
      expect((await other.search({ query: 'Lives in Porto', mode: 'keyword' })).hits).toEqual([]);
      await expect(other.conversations.getJob(added.id)).rejects.toMatchObject({ code: 'not_found' });
    }
    expect((await ann.conversations.listJobs({ conversationId: thread.id })).items.map((job) => job.status)).toEqual([
      'done',
      'done',
      'done',
      'done',
    ]);
    // The model's tokens are metered per tenant, day, model and operation.
    const usage = await strata.usage.report({ tenantId: 'ex' });
    const extraction = usage.byOperation.find((row) => row.operation === 'extraction');
    expect(extraction?.llmInputTokens).toBeGreaterThan(0);
    expect(extraction?.llmOutputTokens).toBeGreaterThan(0);
  });

  it('under add-only, stores new facts and applies no update or delete', async () => {
    const cara = strata.as({ tenantId: 'ex-add', userId: 'cara' });
    const thread = await cara.conversations.create();
    const first = await settled(
      cara,
      (await cara.conversations.addMessages(thread.id, [{ role: 'user', content: 'I live in Oslo' }])).extraction.jobId,
    );
    const second = await settled(
      cara,
      (await cara.conversations.addMessages(thread.id, [{ role: 'user', content: 'I moved to Bergen' }])).extraction.jobId,
    );
    expect(second.result).toMatchObject({ added: [], updated: [], invalidated: [], ignored: 1 });
    expect((await cara.memories.get(first.result?.added[0] ?? '')).content).toBe('Lives in Oslo');
  });

  it('a tenant with extraction off, or messages with nothing to read, queue nothing', async () => {
    const dan = strata.as({ tenantId: 'ex-off', userId: 'dan' });
    const thread = await dan.conversations.create();
    expect((await dan.conversations.addMessages(thread.id, [{ role: 'user', content: 'I live in Rome' }])).extraction).toEqual({
      status: 'off',
      jobId: null,
    });
    const ann = strata.as({ tenantId: 'ex', userId: 'ann' });
    const other = await ann.conversations.create();
    expect((await ann.conversations.addMessages(other.id, [{ role: 'system', content: 'You are terse.' }])).extraction.status).toBe('off');
  });

  it('retries a malformed answer, a stalled model and a made-up memory handle, then fails the job with its error', async () => {
    const eve = strata.as({ tenantId: 'ex', userId: 'eve' });
    const thread = await eve.conversations.create();
    for (const [text, code] of [
      ['BROKEN answer please', 'invalid_model_output'],
      ['SLOW answer please', 'timeout'],
      ['HALLUCINATE a memory', 'invalid_model_output'],
    ] as const) {
      const job = await settled(eve, (await eve.conversations.addMessages(thread.id, [{ role: 'user', content: text }])).extraction.jobId);
      expect(job, text).toMatchObject({ status: 'failed', attempts: 2, error: { code }, result: null });
    }
    expect((await eve.memories.list({ documentType: 'fact' })).items).toEqual([]);
    const { items } = await strata.as({ tenantId: 'ex' }).audit.list({ action: 'conversations.extract', outcome: 'error' });
    expect(items.length).toBeGreaterThanOrEqual(3);
  });

  it('waits as limited, with a notice, when the month’s tokens are spent', async () => {
    const fay = strata.as({ tenantId: 'ex-capped', userId: 'fay' });
    const thread = await fay.conversations.create();
    // The first job's model call (held 300 ms) takes the month past 100 tokens; the second, queued meanwhile, must wait.
    const first = await fay.conversations.addMessages(thread.id, [{ role: 'user', content: 'WAIT a moment' }]);
    const second = await fay.conversations.addMessages(thread.id, [{ role: 'user', content: 'I live in Turin' }]);
    expect((await settled(fay, first.extraction.jobId)).status).toBe('done');
    const job = await settled(fay, second.extraction.jobId);
    expect(job.status).toBe('limited');
    expect(job.attempts).toBe(0);
    expect(Date.parse(job.runAfter)).toBeGreaterThan(Date.now());
    expect((await fay.memories.list({ documentType: 'fact' })).items).toEqual([]);
  });
});

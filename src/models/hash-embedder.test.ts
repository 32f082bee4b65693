import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { createHashEmbedder } from './hash-embedder.ts';

const norm = (vector: readonly number[]) => Math.sqrt(vector.reduce((sum, value) => sum + value * value, 0));
const cosine = (left: readonly number[], right: readonly number[]) =>
  left.reduce((sum, value, index) => sum + value * (right[index] as number), 0);

describe('createHashEmbedder', () => {
  it('names the algorithm version and dimensions in its model', () => {
    expect(createHashEmbedder().model).toBe('strata-hash-v1/384');
    expect(createHashEmbedder().dimensions).toBe(384);
    expect(createHashEmbedder({ dimensions: 1024 }).model).toBe('strata-hash-v1/1024');
  });

  it('gives a different model to different features, and the same to the same ones', () => {
    const custom = createHashEmbedder({ features: { bigramWeight: 0.5 } }).model;
    expect(custom).toMatch(/^strata-hash-v1\/384\/[0-9a-f]{8}$/);
    expect(createHashEmbedder({ features: { bigramWeight: 0.5 } }).model).toBe(custom);
    expect(createHashEmbedder({ features: { bigramWeight: 0 } }).model).toBe('strata-hash-v1/384');
  });

  it('rejects impossible dimensions', () => {
    for (const dimensions of [0, 1, 2.5, Number.NaN, 100_000]) {
      expect(() => createHashEmbedder({ dimensions })).toThrow(expect.objectContaining({ code: 'misconfigured' }));
    }
  });

  it('returns one unit vector of the configured length per text, in order', async () => {
    const embedder = createHashEmbedder({ dimensions: 256 });
    const texts = ['I went to a support group yesterday', 'We adopted a puppy', 'I went to a support group yesterday'];
    const vectors = await embedder.embed(texts);
    expect(vectors).toHaveLength(3);
    for (const vector of vectors) {
      expect(vector).toHaveLength(256);
      expect(norm(vector)).toBeCloseTo(1, 10);
    }
    expect(vectors[2]).toEqual(vectors[0]);
    expect(vectors[1]).not.toEqual(vectors[0]);
  });

  it('is deterministic across instances (pinned values catch accidental changes to the algorithm)', async () => {
    const [first] = await createHashEmbedder().embed(['Caroline went hiking with her dog']);
    const [second] = await createHashEmbedder().embed(['Caroline went hiking with her dog']);
    expect(second).toEqual(first);
    const fingerprint = (first as number[]).flatMap((value, index) => (value === 0 ? [] : [`${index}:${value.toFixed(4)}`]));
    // If this changes, every stored vector changed: bump the algorithm version in hash-embedder.ts.
    expect(fingerprint.slice(0, 6)).toMatchInlineSnapshot(`
      [
        "3:0.1361",
        "12:-0.1361",
        "15:0.1361",
        "38:-0.2722",
        "39:-0.1361",
        "50:-0.1361",
      ]
    `);
  });

  it('gives empty and punctuation-only text one fixed unit vector, never the zero vector', async () => {
    const [empty, blank, punctuation, words] = await createHashEmbedder().embed(['', '   \n', '?!…', 'hello world']);
    expect(norm(empty as number[])).toBeCloseTo(1, 10);
    expect(blank).toEqual(empty);
    expect(punctuation).toEqual(empty);
    expect(Math.abs(cosine(empty as number[], words as number[]))).toBeLessThan(0.5);
  });

  it('embeds text made only of stopwords instead of treating it as empty', async () => {
    const [stopwords, empty] = await createHashEmbedder().embed(['what is it', '']);
    expect(stopwords).not.toEqual(empty);
  });

  it('handles any Unicode (RTL, CJK, emoji, combining marks, lone surrogates) without throwing', async () => {
    const embedder = createHashEmbedder({ dimensions: 64 });
    const texts = ['مرحبا بالعالم', 'שלום עולם', '你好，世界', '🎉🎂 party!', 'e\u0301te\u0301', '\ud800 broken', 'ｆｕｌｌ ｗｉｄｔｈ'];
    for (const vector of await embedder.embed(texts)) expect(norm(vector)).toBeCloseTo(1, 10);
    await fc.assert(
      fc.asyncProperty(fc.string({ unit: 'binary', maxLength: 200 }), async (text) => {
        const [vector] = await embedder.embed([text]);
        expect(vector).toHaveLength(64);
        expect(norm(vector as number[])).toBeCloseTo(1, 10);
        expect((vector as number[]).every(Number.isFinite)).toBe(true);
      }),
    );
  });

  it('tells emoji apart', async () => {
    const [party, cake] = await createHashEmbedder().embed(['🎉', '🎂']);
    expect(party).not.toEqual(cake);
  });

  it('puts related texts closer than unrelated ones', async () => {
    const [query, related, inflected, typo, unrelated] = await createHashEmbedder().embed([
      'When did Caroline go to the LGBTQ support group?',
      'I went to a LGBTQ support group yesterday and it was so powerful.',
      'Support groups have helped me a lot.',
      'The suport gruop was great',
      'Melanie painted a sunrise over the lake last year.',
    ]);
    const unrelatedScore = cosine(query as number[], unrelated as number[]);
    expect(cosine(query as number[], related as number[])).toBeGreaterThan(unrelatedScore + 0.2);
    expect(cosine(query as number[], inflected as number[])).toBeGreaterThan(unrelatedScore + 0.1);
    expect(cosine(query as number[], typo as number[])).toBeGreaterThan(unrelatedScore);
  });

  it('refuses to start when the signal is already aborted', async () => {
    const controller = new AbortController();
    controller.abort(new Error('stop'));
    await expect(createHashEmbedder().embed(['text'], { signal: controller.signal })).rejects.toThrow('stop');
  });
});

import { describe, expect, it } from 'vitest';
import { chunkText, contentHash, estimateTokens } from './content.ts';

describe('chunkText', () => {
  it('returns short text unchanged as one chunk', () => {
    expect(chunkText('A short note.')).toEqual(['A short note.']);
  });

  it('splits long text at sentence boundaries into bounded, overlapping chunks covering every sentence', () => {
    const sentences = Array.from({ length: 200 }, (_, index) => `Sentence ${index} is about item ${index}.`);
    const chunks = chunkText(sentences.join(' '), { maxTokens: 64, overlapTokens: 12 });
    expect(chunks.length).toBeGreaterThan(5);
    for (const chunk of chunks) expect(estimateTokens(chunk)).toBeLessThanOrEqual(64 + 12);
    for (const sentence of sentences) expect(chunks.some((chunk) => chunk.includes(sentence))).toBe(true);
    const [first, second] = chunks;
    const lastOfFirst = first?.split(/(?<=\.)\s+/).at(-1) ?? '';
    expect(second?.startsWith(lastOfFirst)).toBe(true);
  });

  it('cuts a run-on word by code points, never splitting a surrogate pair', () => {
    const chunks = chunkText('🧠'.repeat(3_000), { maxTokens: 100, overlapTokens: 0 });
    expect(chunks.length).toBeGreaterThan(1);
    for (const chunk of chunks) expect(chunk.isWellFormed()).toBe(true);
    expect(chunks.join('')).toBe('🧠'.repeat(3_000));
  });
});

describe('content helpers', () => {
  it('hashes exact content', () => {
    expect(contentHash('a')).toBe(contentHash('a'));
    expect(contentHash('a')).not.toBe(contentHash('a '));
  });

  it('estimates tokens from characters and words', () => {
    expect(estimateTokens('')).toBe(0);
    // Conservative on purpose: budgets built on it must not overflow a real tokenizer's count.
    expect(estimateTokens('one')).toBe(2);
    expect(estimateTokens('the quick brown fox jumps over the lazy dog')).toBe(12);
    expect(estimateTokens('x'.repeat(400))).toBe(100);
  });
});

import { createHash } from 'node:crypto';

/** SHA-256 of the exact content: identical text in one scope is stored once. */
export function contentHash(content: string): string {
  return createHash('sha256').update(content, 'utf8').digest('hex');
}

/**
 * A cheap token estimate (about four characters or 0.75 words a token for English), used for
 * context budgets and chunk sizes; no tokenizer download needed.
 */
export function estimateTokens(text: string): number {
  if (text.length === 0) return 0;
  const words = text.trim().split(/\s+/).length;
  return Math.max(1, Math.ceil(Math.max(text.length / 4, words / 0.75)));
}

/** Chunking settings for long documents. */
export interface ChunkOptions {
  /** Target chunk size in estimated tokens. */
  maxTokens: number;
  /** Estimated tokens repeated at the start of the next chunk, so a fact on a boundary is found. */
  overlapTokens: number;
}

/** Defaults: chunks of about 256 tokens with 32 tokens of overlap. */
export const defaultChunkOptions: ChunkOptions = { maxTokens: 256, overlapTokens: 32 };

/**
 * Splits `text` into chunks of about `maxTokens`, breaking at paragraph, then sentence, then
 * word boundaries. Text that fits returns as a single chunk equal to the input.
 */
export function chunkText(text: string, options: ChunkOptions = defaultChunkOptions): string[] {
  if (estimateTokens(text) <= options.maxTokens) return [text];
  const pieces = splitPieces(text, options.maxTokens);
  const chunks: string[] = [];
  let current: string[] = [];
  let currentTokens = 0;
  for (const piece of pieces) {
    const tokens = estimateTokens(piece);
    if (currentTokens + tokens > options.maxTokens && current.length > 0) {
      chunks.push(current.join(' '));
      const overlap = tail(current, options.overlapTokens);
      current = overlap;
      currentTokens = estimateTokens(overlap.join(' '));
    }
    current.push(piece);
    currentTokens += tokens;
  }
  if (current.length > 0) chunks.push(current.join(' '));
  return chunks;
}

/** Sentences (or words, for a run-on sentence) no longer than `maxTokens` each. */
function splitPieces(text: string, maxTokens: number): string[] {
  const sentences = text
    .split(/\n\s*\n|(?<=[.!?])\s+/)
    .map((sentence) => sentence.trim())
    .filter((sentence) => sentence.length > 0);
  return sentences.flatMap((sentence) => (estimateTokens(sentence) <= maxTokens ? [sentence] : splitWords(sentence, maxTokens)));
}

function splitWords(sentence: string, maxTokens: number): string[] {
  const words = sentence.split(/\s+/);
  const pieces: string[] = [];
  let current: string[] = [];
  for (const word of words) {
    if (current.length > 0 && estimateTokens([...current, word].join(' ')) > maxTokens) {
      pieces.push(current.join(' '));
      current = [];
    }
    // A single "word" longer than a chunk (a URL, base64) is cut by characters.
    if (estimateTokens(word) > maxTokens) {
      // Slice by code point so a surrogate pair is never split.
      const characters = Array.from(word);
      for (let start = 0; start < characters.length; start += maxTokens * 4) {
        pieces.push(characters.slice(start, start + maxTokens * 4).join(''));
      }
      continue;
    }
    current.push(word);
  }
  if (current.length > 0) pieces.push(current.join(' '));
  return pieces;
}

/** The last pieces of `pieces` adding up to at most `tokens`. */
function tail(pieces: string[], tokens: number): string[] {
  const kept: string[] = [];
  let total = 0;
  for (let index = pieces.length - 1; index >= 0; index -= 1) {
    const piece = pieces[index] ?? '';
    total += estimateTokens(piece);
    if (total > tokens) break;
    kept.unshift(piece);
  }
  return kept;
}

/**
 * Splits markdown into chunks of about `maxTokens` at its headings: short sections are packed
 * together, a long one is cut like plain text with its heading repeated on each piece (so a
 * chunk from the middle of "## Billing" still says it is about billing). Fitting text returns
 * as a single chunk equal to the input.
 */
export function chunkMarkdown(text: string, options: ChunkOptions = defaultChunkOptions): string[] {
  if (estimateTokens(text) <= options.maxTokens) return [text];
  const chunks: string[] = [];
  let current = '';
  for (const section of markdownSections(text)) {
    if (estimateTokens(section) > options.maxTokens) {
      if (current !== '') chunks.push(current);
      current = '';
      const heading = /^#{1,6}\s.*/.exec(section)?.[0];
      for (const piece of chunkText(section, options))
        chunks.push(heading === undefined || piece.startsWith(heading) ? piece : `${heading}\n${piece}`);
      continue;
    }
    const joined = current === '' ? section : `${current}\n\n${section}`;
    if (current !== '' && estimateTokens(joined) > options.maxTokens) {
      chunks.push(current);
      current = section;
    } else current = joined;
  }
  if (current !== '') chunks.push(current);
  return chunks;
}

/** The text before the first heading, then each heading with its body (headings inside fenced code do not count). */
function markdownSections(text: string): string[] {
  const sections: string[] = [];
  let lines: string[] = [];
  let fenced = false;
  for (const line of text.split('\n')) {
    if (/^\s*(```|~~~)/.test(line)) fenced = !fenced;
    if (!fenced && /^#{1,6}\s/.test(line) && lines.join('').trim() !== '') {
      sections.push(lines.join('\n').trim());
      lines = [];
    }
    lines.push(line);
  }
  if (lines.join('').trim() !== '') sections.push(lines.join('\n').trim());
  return sections;
}

import { invalidInput } from '../core/errors.ts';

/**
 * The deepest nesting a request body may have. Metadata and settings allow 5 levels and
 * filters a few more; 64 leaves room for every schema while keeping later recursive work
 * (validation, serialisation) far from the stack's limit.
 */
export const maxBodyDepth = 64;

const utf8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: false });

/**
 * Reads a JSON request body from its raw bytes: refuses a `charset` other than UTF-8 (JSON is
 * UTF-8, RFC 8259 §8.1) and bytes that are not valid UTF-8 (instead of storing U+FFFD), and
 * checks the nesting depth with a flat scan before anything recursive sees the text.
 * Returns the text to parse.
 */
export function decodeJsonBody(contentType: string | undefined, bytes: Buffer): string {
  const charset = /;\s*charset\s*=\s*"?([^";\s]+)"?/i.exec(contentType ?? '')?.[1]?.toLowerCase();
  if (charset !== undefined && charset !== 'utf-8' && charset !== 'utf8') {
    throw invalidInput('content-type', `charset ${charset} is not accepted; JSON bodies are UTF-8`);
  }
  let text: string;
  try {
    text = utf8.decode(bytes);
  } catch {
    throw invalidInput('body', 'is not valid UTF-8');
  }
  const depth = nestingDepth(text);
  if (depth > maxBodyDepth)
    throw invalidInput('body', `is nested ${depth > 10_000 ? 'over 10,000' : depth} levels deep; at most ${maxBodyDepth}`);
  return text;
}

/** The deepest bracket nesting of JSON text, counting only brackets outside strings; stops early past 10,000. */
export function nestingDepth(text: string): number {
  let depth = 0;
  let deepest = 0;
  let inString = false;
  for (let index = 0; index < text.length; index += 1) {
    const char = text.charCodeAt(index);
    if (inString) {
      if (char === 0x5c) index += 1;
      else if (char === 0x22) inString = false;
      continue;
    }
    if (char === 0x22) inString = true;
    else if (char === 0x7b || char === 0x5b) {
      depth += 1;
      if (depth > deepest) {
        deepest = depth;
        if (deepest > 10_000) return deepest;
      }
    } else if (char === 0x7d || char === 0x5d) depth -= 1;
  }
  return deepest;
}

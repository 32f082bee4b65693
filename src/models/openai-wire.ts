import { z } from 'zod';
import { StrataError } from '../core/errors.ts';

// Only the fields Strata reads; servers add `object`, `model`, `usage`, ... freely.
const responseSchema = z.object({
  data: z.array(z.object({ index: z.int().min(0), embedding: z.array(z.number()) })),
});

/** What {@link parseEmbeddings} checks a response against. */
export interface ExpectedEmbeddings {
  /** Number of inputs sent, so the number of vectors expected. */
  count: number;
  /** The configured vector length. */
  dimensions: number;
  /** Model name, for messages. */
  model: string;
  /** Whether `dimensions` was sent in the request, for the hint in a mismatch message. */
  sentDimensions: boolean;
}

/**
 * Parses a `/embeddings` response body into vectors in input order (servers may return
 * `data` in any order; `index` says which input each belongs to). A body that does not fit
 * the wire format, or vectors of the wrong count or length, mean the deployment points at the
 * wrong server or model: `misconfigured`, never retried.
 */
export function parseEmbeddings(body: string, expected: ExpectedEmbeddings): number[][] {
  let json: unknown;
  try {
    json = JSON.parse(body);
  } catch (error) {
    throw incompatible('the response is not JSON', error);
  }
  const parsed = responseSchema.safeParse(json);
  if (!parsed.success) throw incompatible(`the response does not match the embeddings format (${parsed.error.issues[0]?.message})`);
  const vectors = new Array<number[] | undefined>(expected.count);
  for (const { index, embedding } of parsed.data.data) {
    if (index >= expected.count || vectors[index] !== undefined) {
      throw incompatible(`the response has a missing, repeated or out-of-range index ${index}`);
    }
    if (embedding.length !== expected.dimensions) throw dimensionMismatch(embedding.length, expected);
    vectors[index] = embedding;
  }
  if (parsed.data.data.length !== expected.count) {
    throw incompatible(`the response has ${parsed.data.data.length} embeddings for ${expected.count} inputs`);
  }
  return vectors as number[][];
}

function dimensionMismatch(actual: number, expected: ExpectedEmbeddings): StrataError {
  const hint = expected.sentDimensions ? '' : ', or set sendDimensions if the model can shorten its vectors';
  return new StrataError(
    'misconfigured',
    `dimensions: model "${expected.model}" returned vectors of length ${actual}, but dimensions is ${expected.dimensions}; set dimensions to ${actual}${hint}`,
    { details: { field: 'dimensions', expected: expected.dimensions, actual } },
  );
}

function incompatible(problem: string, cause?: unknown): StrataError {
  return new StrataError('misconfigured', `baseUrl: not an OpenAI-compatible embeddings endpoint: ${problem}`, {
    details: { field: 'baseUrl' },
    cause,
  });
}

/** The error for a status that retrying will not fix. `message` is the server's, already redacted. */
export function statusError(status: number, message: string, endpoint: string): StrataError {
  const details = { status, endpoint };
  const suffix = message ? `: ${message}` : '';
  if (status === 400 || status === 413 || status === 422) {
    return new StrataError('invalid_input', `texts: the embeddings server rejected the input (HTTP ${status})${suffix}`, {
      details: { field: 'texts', ...details },
    });
  }
  if (status === 401 || status === 403) {
    return new StrataError('misconfigured', `apiKey: the embeddings server refused the credentials (HTTP ${status})${suffix}`, {
      details: { field: 'apiKey', ...details },
    });
  }
  if (status === 404) {
    return new StrataError('misconfigured', `baseUrl or model: ${endpoint} answered HTTP 404${suffix}`, {
      details: { field: 'baseUrl', ...details },
    });
  }
  return new StrataError('unavailable', `embeddings server ${endpoint} answered HTTP ${status}${suffix}`, { details });
}

/** The human-readable part of an error body (`{ error: { message } }` in OpenAI's format), at most 300 characters. */
export function errorMessage(body: string): string {
  let message = body;
  try {
    const json = JSON.parse(body) as { error?: { message?: unknown } | string; message?: unknown };
    const candidate = typeof json.error === 'string' ? json.error : (json.error?.message ?? json.message);
    if (typeof candidate === 'string') message = candidate;
  } catch {
    // Not JSON: keep the text as it is.
  }
  message = message.replace(/\s+/g, ' ').trim();
  return message.length > 300 ? `${message.slice(0, 297)}...` : message;
}

import { isStrataError, StrataError } from '../core/errors.ts';
import type { EmbeddingProvider } from './embedding-provider.ts';
import { createOpenAIEmbedder, type OpenAIEmbedderOptions } from './openai-embedder.ts';

// Option field → the variable that sets it, so a bad value is reported under the name the operator typed.
const variables = {
  baseUrl: 'STRATA_EMBEDDINGS_URL',
  model: 'STRATA_EMBEDDINGS_MODEL',
  dimensions: 'STRATA_EMBEDDINGS_DIMENSIONS',
  apiKey: 'STRATA_EMBEDDINGS_API_KEY',
  sendDimensions: 'STRATA_EMBEDDINGS_SEND_DIMENSIONS',
  batchSize: 'STRATA_EMBEDDINGS_BATCH_SIZE',
  timeoutMs: 'STRATA_EMBEDDINGS_TIMEOUT_MS',
} as const;

/**
 * The embedder configured by `STRATA_EMBEDDINGS_*` variables, or `undefined` when none is set
 * (the caller then uses the offline hash embedder).
 *
 * `STRATA_EMBEDDINGS_URL` (e.g. `http://localhost:11434/v1`), `_MODEL` and `_DIMENSIONS` are
 * required together; `_API_KEY`, `_SEND_DIMENSIONS` (`true`/`false`), `_BATCH_SIZE` and
 * `_TIMEOUT_MS` are optional. Bad values throw `misconfigured` naming the variable.
 */
export function createEmbedderFromEnvironment(environment: NodeJS.ProcessEnv = process.env): EmbeddingProvider | undefined {
  const value = (name: string) => (environment[name] === '' ? undefined : environment[name]);
  const present = Object.values(variables).filter((name) => value(name) !== undefined);
  if (present.length === 0) return undefined;
  for (const name of [variables.baseUrl, variables.model, variables.dimensions]) {
    if (value(name) === undefined) throw misconfigured(name, `is required when ${present.join(', ')} is set`);
  }
  const sendDimensions = value(variables.sendDimensions);
  if (sendDimensions !== undefined && !['true', 'false'].includes(sendDimensions)) {
    throw misconfigured(variables.sendDimensions, 'must be true or false');
  }
  const options: OpenAIEmbedderOptions = {
    baseUrl: value(variables.baseUrl) as string,
    model: value(variables.model) as string,
    dimensions: number(value(variables.dimensions)) as number,
    apiKey: value(variables.apiKey),
    sendDimensions: sendDimensions === 'true',
    batchSize: number(value(variables.batchSize)),
    timeoutMs: number(value(variables.timeoutMs)),
  };
  try {
    return createOpenAIEmbedder(options);
  } catch (error) {
    const field = isStrataError(error, 'misconfigured') ? error.details.field : undefined;
    const name = variables[field as keyof typeof variables];
    if (name === undefined) throw error;
    throw misconfigured(name, (error as StrataError).message.replace(/^[^:]*: /, ''));
  }
}

// Non-numbers become NaN, which the embedder's validation rejects under the field's name.
function number(text: string | undefined): number | undefined {
  return text === undefined ? undefined : Number(text);
}

function misconfigured(name: string, problem: string): StrataError {
  return new StrataError('misconfigured', `${name}: ${problem}`, { details: { variable: name } });
}

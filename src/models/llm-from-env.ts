import { isStrataError, StrataError } from '../core/errors.ts';
import type { LLMProvider } from './llm-provider.ts';
import { createOpenAIChatModel, type OpenAIChatModelOptions } from './openai-chat-model.ts';
import { withoutUndefined } from './provider-settings.ts';

// Option field → the variable that sets it, so a bad value is reported under the name the operator typed.
const variables = {
  baseUrl: 'STRATA_LLM_URL',
  model: 'STRATA_LLM_MODEL',
  apiKey: 'STRATA_LLM_API_KEY',
  headers: 'STRATA_LLM_HEADERS',
  maxTokensParameter: 'STRATA_LLM_MAX_TOKENS_PARAMETER',
  timeoutMs: 'STRATA_LLM_TIMEOUT_MS',
  maxRetries: 'STRATA_LLM_MAX_RETRIES',
} as const;

/**
 * The LLM configured by `STRATA_LLM_*` variables, or `undefined` when none is set (features
 * that need a model are then off; nothing is faked).
 *
 * `STRATA_LLM_URL` (e.g. `http://localhost:11434/v1`) and `_MODEL` are required together;
 * `_API_KEY`, `_HEADERS` (a JSON object of string values), `_MAX_TOKENS_PARAMETER`
 * (`max_tokens` or `max_completion_tokens`), `_TIMEOUT_MS` and `_MAX_RETRIES` are optional.
 * Bad values throw `misconfigured` naming the variable (never echoing a value: some are secrets).
 */
export function createLLMFromEnvironment(environment: NodeJS.ProcessEnv = process.env): LLMProvider | undefined {
  const options = llmOptionsFromEnvironment(environment);
  return options === undefined ? undefined : createOpenAIChatModel(options);
}

/**
 * The options {@link createLLMFromEnvironment} builds its model from, checked the same way
 * (`misconfigured` naming the variable), or `undefined` when no `STRATA_LLM_*` is set. The
 * store keeps them, not only the model: a tenant's own provider key is sent to the same base URL.
 */
export function llmOptionsFromEnvironment(environment: NodeJS.ProcessEnv = process.env): OpenAIChatModelOptions | undefined {
  const value = (name: string) => (environment[name] === '' ? undefined : environment[name]);
  const present = Object.values(variables).filter((name) => value(name) !== undefined);
  if (present.length === 0) return undefined;
  for (const name of [variables.baseUrl, variables.model]) {
    if (value(name) === undefined) throw misconfigured(name, `is required when ${present.join(', ')} is set`);
  }
  const options: OpenAIChatModelOptions = {
    baseUrl: value(variables.baseUrl) as string,
    model: value(variables.model) as string,
    apiKey: value(variables.apiKey),
    headers: headers(value(variables.headers)),
    maxTokensParameter: value(variables.maxTokensParameter) as OpenAIChatModelOptions['maxTokensParameter'],
    timeoutMs: number(value(variables.timeoutMs)),
    maxRetries: number(value(variables.maxRetries)),
  };
  try {
    // Building the model checks every option under its field name, which maps back to the variable.
    createOpenAIChatModel(options);
  } catch (error) {
    const field = isStrataError(error, 'misconfigured') ? String(error.details.field).split('.')[0] : undefined;
    const name = variables[field as keyof typeof variables];
    if (name === undefined) throw error;
    throw misconfigured(name, (error as StrataError).message.replace(/^[^:]*: /, ''));
  }
  return withoutUndefined(options) as OpenAIChatModelOptions;
}

function headers(text: string | undefined): Record<string, string> | undefined {
  if (text === undefined) return undefined;
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    throw misconfigured(variables.headers, 'must be a JSON object, e.g. {"HTTP-Referer": "https://example.com"}');
  }
  const isObject = typeof parsed === 'object' && parsed !== null && !Array.isArray(parsed);
  if (!isObject || !Object.values(parsed as object).every((entry) => typeof entry === 'string')) {
    throw misconfigured(variables.headers, 'must be a JSON object whose values are strings');
  }
  return parsed as Record<string, string>;
}

// Non-numbers become NaN, which the model's validation rejects under the field's name.
function number(text: string | undefined): number | undefined {
  return text === undefined ? undefined : Number(text);
}

function misconfigured(name: string, problem: string): StrataError {
  return new StrataError('misconfigured', `${name}: ${problem}`, { details: { variable: name } });
}

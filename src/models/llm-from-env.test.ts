import { describe, expect, it } from 'vitest';
import { createLLMFromEnvironment, llmOptionsFromEnvironment } from './llm-from-env.ts';

const configured = { STRATA_LLM_URL: 'http://localhost:11434/v1', STRATA_LLM_MODEL: 'llama3.2' };

describe('createLLMFromEnvironment', () => {
  it('returns undefined when nothing is configured, so features that need a model stay off', () => {
    expect(createLLMFromEnvironment({})).toBeUndefined();
    expect(createLLMFromEnvironment({ STRATA_LLM_URL: '' })).toBeUndefined();
  });

  it('builds the OpenAI-compatible chat model', () => {
    const llm = createLLMFromEnvironment({
      ...configured,
      STRATA_LLM_API_KEY: 'sk-test',
      STRATA_LLM_HEADERS: '{"HTTP-Referer": "https://example.com"}',
      STRATA_LLM_MAX_TOKENS_PARAMETER: 'max_completion_tokens',
      STRATA_LLM_TIMEOUT_MS: '20000',
      STRATA_LLM_MAX_RETRIES: '0',
    });
    expect(llm?.model).toBe('llama3.2');
  });

  it('names the variable that is missing or wrong', () => {
    expect(() => createLLMFromEnvironment({ STRATA_LLM_API_KEY: 'sk-test' })).toThrow(
      /^STRATA_LLM_URL: is required when STRATA_LLM_API_KEY is set/,
    );
    expect(() => createLLMFromEnvironment({ STRATA_LLM_URL: configured.STRATA_LLM_URL })).toThrow(/^STRATA_LLM_MODEL: is required/);
    expect(() => createLLMFromEnvironment({ ...configured, STRATA_LLM_URL: 'not a url' })).toThrow(
      expect.objectContaining({ code: 'misconfigured', details: { variable: 'STRATA_LLM_URL' } }),
    );
    expect(() => createLLMFromEnvironment({ ...configured, STRATA_LLM_TIMEOUT_MS: 'soon' })).toThrow(/^STRATA_LLM_TIMEOUT_MS: /);
    expect(() => createLLMFromEnvironment({ ...configured, STRATA_LLM_MAX_RETRIES: '2.5' })).toThrow(/^STRATA_LLM_MAX_RETRIES: /);
    expect(() => createLLMFromEnvironment({ ...configured, STRATA_LLM_MAX_TOKENS_PARAMETER: 'tokens' })).toThrow(
      /^STRATA_LLM_MAX_TOKENS_PARAMETER: /,
    );
    expect(() => createLLMFromEnvironment({ ...configured, STRATA_LLM_HEADERS: 'a=b' })).toThrow(
      /^STRATA_LLM_HEADERS: must be a JSON object/,
    );
    expect(() => createLLMFromEnvironment({ ...configured, STRATA_LLM_HEADERS: '{"x-count": 3}' })).toThrow(
      /^STRATA_LLM_HEADERS: must be a JSON object whose values are strings/,
    );
  });

  it('never echoes a value in its messages (keys and headers are secrets)', () => {
    let error: Error | undefined;
    try {
      createLLMFromEnvironment({ ...configured, STRATA_LLM_HEADERS: '["sk-secret-header"]' });
    } catch (caught) {
      error = caught as Error;
    }
    expect(error?.message).toMatch(/^STRATA_LLM_HEADERS: /);
    expect(error?.message).not.toContain('sk-secret-header');
  });
});

describe('llmOptionsFromEnvironment', () => {
  it('returns the checked options the model is built from (the store keeps the base URL for tenant keys)', () => {
    expect(llmOptionsFromEnvironment({})).toBeUndefined();
    expect(llmOptionsFromEnvironment({ ...configured, STRATA_LLM_API_KEY: 'sk-test', STRATA_LLM_TIMEOUT_MS: '20000' })).toEqual({
      baseUrl: configured.STRATA_LLM_URL,
      model: 'llama3.2',
      apiKey: 'sk-test',
      timeoutMs: 20_000,
    });
    expect(() => llmOptionsFromEnvironment({ ...configured, STRATA_LLM_MAX_RETRIES: 'often' })).toThrow(/^STRATA_LLM_MAX_RETRIES: /);
  });
});

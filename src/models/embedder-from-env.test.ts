import { describe, expect, it } from 'vitest';
import { createEmbedderFromEnvironment } from './embedder-from-env.ts';

const configured = {
  STRATA_EMBEDDINGS_URL: 'http://localhost:11434/v1',
  STRATA_EMBEDDINGS_MODEL: 'nomic-embed-text',
  STRATA_EMBEDDINGS_DIMENSIONS: '768',
};

describe('createEmbedderFromEnvironment', () => {
  it('returns undefined when nothing is configured, so the offline default applies', () => {
    expect(createEmbedderFromEnvironment({})).toBeUndefined();
    expect(createEmbedderFromEnvironment({ STRATA_EMBEDDINGS_URL: '' })).toBeUndefined();
  });

  it('builds the OpenAI-compatible embedder', () => {
    const embedder = createEmbedderFromEnvironment({ ...configured, STRATA_EMBEDDINGS_API_KEY: 'sk-test' });
    expect(embedder?.model).toBe('openai:nomic-embed-text/768');
    expect(embedder?.dimensions).toBe(768);
  });

  it('names the variable that is missing or wrong', () => {
    expect(() => createEmbedderFromEnvironment({ STRATA_EMBEDDINGS_URL: configured.STRATA_EMBEDDINGS_URL })).toThrow(
      /^STRATA_EMBEDDINGS_MODEL: is required/,
    );
    expect(() => createEmbedderFromEnvironment({ ...configured, STRATA_EMBEDDINGS_DIMENSIONS: 'lots' })).toThrow(
      /^STRATA_EMBEDDINGS_DIMENSIONS: /,
    );
    expect(() => createEmbedderFromEnvironment({ ...configured, STRATA_EMBEDDINGS_URL: 'not a url' })).toThrow(
      expect.objectContaining({ code: 'misconfigured', details: { variable: 'STRATA_EMBEDDINGS_URL' } }),
    );
    expect(() => createEmbedderFromEnvironment({ ...configured, STRATA_EMBEDDINGS_SEND_DIMENSIONS: 'yes' })).toThrow(
      /^STRATA_EMBEDDINGS_SEND_DIMENSIONS: must be true or false/,
    );
  });
});

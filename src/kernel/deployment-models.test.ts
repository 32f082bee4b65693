import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { optionsFromEnvironment } from '../env-options.ts';
import type { LLMProvider } from '../models/llm-provider.ts';
import { resolveDeploymentModels } from './deployment-models.ts';

const connection = { baseUrl: 'http://127.0.0.1:9/v1', model: 'small-model', apiKey: 'sk-deployment-key-0123456789' };
const providerObject: LLMProvider = {
  model: 'own-model',
  chat: () => Promise.reject(new Error('not called')),
};
const llmEnvironment = { STRATA_LLM_URL: 'http://127.0.0.1:9/v1', STRATA_LLM_MODEL: 'small-model' };

describe('deployment models', () => {
  it('with no LLM: no provider, no allowed model, no connection', () => {
    expect(resolveDeploymentModels(undefined)).toEqual({
      llm: undefined,
      models: { allowed: [], default: undefined, connection: undefined },
    });
  });

  it("builds the provider from connection options, keeps the connection without the deployment's key, and allows the LLM's own model", () => {
    const { llm, models } = resolveDeploymentModels(connection);
    expect(llm?.model).toBe('small-model');
    expect(models).toEqual({
      allowed: ['small-model'],
      default: undefined,
      connection: { baseUrl: connection.baseUrl, model: 'small-model' },
    });
    expect(JSON.stringify(models)).not.toContain(connection.apiKey);
    expect(Object.isFrozen(models) && Object.isFrozen(models.allowed)).toBe(true);
  });

  it('uses a provider object as is, with no connection for tenant keys', () => {
    const { llm, models } = resolveDeploymentModels(providerObject, { allowed: ['own-model', 'big-model'], default: 'big-model' });
    expect(llm).toBe(providerObject);
    expect(models).toEqual({ allowed: ['own-model', 'big-model'], default: 'big-model', connection: undefined });
  });

  it('refuses a default outside the allow-list, an empty list and a bad name, naming the option', () => {
    expect(() => resolveDeploymentModels(connection, { default: 'big-model' })).toThrow(
      expect.objectContaining({
        code: 'misconfigured',
        message: expect.stringMatching(/^models\.default: "big-model" is not in the allowed models/),
      }),
    );
    expect(() => resolveDeploymentModels(connection, { allowed: ['big-model'] })).toThrow(
      /^models\.default: "small-model" \(the LLM's own model, as models.default is not set\) is not in the allowed models/,
    );
    expect(() => resolveDeploymentModels(undefined, { default: 'big-model' })).toThrow(/^models\.default: /);
    expect(() => resolveDeploymentModels(connection, { allowed: [] })).toThrow(/^models\.allowed: must name at least one model/);
    expect(() => resolveDeploymentModels(connection, { allowed: ['small-model', 'has space'] })).toThrow(
      expect.objectContaining({ code: 'misconfigured', details: { field: 'models.allowed' }, message: expect.stringMatching(/entry 2/) }),
    );
    // A list without the LLM, and a default in it, is fine: it takes effect once an LLM is configured.
    expect(resolveDeploymentModels(undefined, { allowed: ['a', 'b'], default: 'b' }).models.allowed).toEqual(['a', 'b']);
  });
});

describe('model and master key variables', () => {
  it('reads STRATA_LLM_* as connection options, STRATA_ALLOWED_MODELS (comma-separated) and STRATA_DEFAULT_MODEL', () => {
    expect(optionsFromEnvironment({})).not.toHaveProperty('llm');
    const options = optionsFromEnvironment({
      ...llmEnvironment,
      STRATA_ALLOWED_MODELS: ' small-model, big-model ,,',
      STRATA_DEFAULT_MODEL: 'big-model',
    });
    expect(options.llm).toEqual({ baseUrl: llmEnvironment.STRATA_LLM_URL, model: 'small-model' });
    expect(options.models).toEqual({ allowed: ['small-model', 'big-model'], default: 'big-model' });
    expect(optionsFromEnvironment(llmEnvironment)).not.toHaveProperty('models');
  });

  it('names the variable of a default outside the list, an empty list, or a default with no LLM and no list', () => {
    const cases: [Record<string, string>, string][] = [
      [{ ...llmEnvironment, STRATA_DEFAULT_MODEL: 'big-model' }, 'STRATA_DEFAULT_MODEL'],
      [{ ...llmEnvironment, STRATA_ALLOWED_MODELS: 'big-model' }, 'STRATA_DEFAULT_MODEL'],
      [{ ...llmEnvironment, STRATA_ALLOWED_MODELS: ' , ' }, 'STRATA_ALLOWED_MODELS'],
      [{ STRATA_DEFAULT_MODEL: 'big-model' }, 'STRATA_DEFAULT_MODEL'],
      [{ ...llmEnvironment, STRATA_ALLOWED_MODELS: 'small-model,tab\tmodel' }, 'STRATA_ALLOWED_MODELS'],
    ];
    for (const [environment, variable] of cases) {
      expect(() => optionsFromEnvironment(environment), JSON.stringify(environment)).toThrow(
        expect.objectContaining({
          code: 'misconfigured',
          details: { variable },
          message: expect.stringMatching(new RegExp(`^${variable}: `)),
        }),
      );
    }
  });

  it('reads STRATA_MASTER_KEY and refuses a bad one naming the variable, never echoing it', () => {
    const key = randomBytes(32);
    expect(optionsFromEnvironment({ STRATA_MASTER_KEY: key.toString('base64') }).masterKey).toBe(key.toString('base64'));
    expect(optionsFromEnvironment({ STRATA_MASTER_KEY: key.toString('hex') }).masterKey).toBe(key.toString('hex'));
    for (const bad of ['hunter2-hunter2-hunter2', key.toString('hex').slice(2), randomBytes(16).toString('base64')]) {
      let error: Error | undefined;
      try {
        optionsFromEnvironment({ STRATA_MASTER_KEY: bad });
      } catch (caught) {
        error = caught as Error;
      }
      expect(error).toMatchObject({ code: 'misconfigured', details: { variable: 'STRATA_MASTER_KEY' } });
      expect(error?.message).not.toContain(bad);
    }
  });
});

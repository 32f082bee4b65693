import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { failure } from '../../../test/support/failure.ts';
import { describeEachStore, openRawDatabase } from '../../../test/support/stores.ts';
import type { Database } from '../../db/database.ts';
import { createStrata, type Strata } from '../../index.ts';
import { resolveDeploymentModels } from '../../kernel/deployment-models.ts';
import type { Engine } from '../../kernel/engine.ts';
import { createSecretBox, parseMasterKey } from '../../kernel/secret-box.ts';
import type { LLMProvider } from '../../models/llm-provider.ts';
import { type ChatCompletionsServer, startChatCompletionsServer } from '../../testing/index.ts';
import { extractionSettings, tenantChatModel } from './index.ts';

type ModelEngine = Pick<Engine, 'llm' | 'models' | 'secretBox'>;

const masterKey = randomBytes(32).toString('base64');
const deploymentKey = 'sk-deployment-0123456789abcdef';
const tenantKey = 'sk-acme-own-key-0123456789abcdef';

/** The model part of an engine, as createStrata builds it from the same options. */
function modelEngine(
  llm: Parameters<typeof resolveDeploymentModels>[0],
  models?: { allowed?: string[]; default?: string },
  key = masterKey,
) {
  const resolved = resolveDeploymentModels(llm, models);
  return { ...resolved, secretBox: key === '' ? undefined : createSecretBox([{ version: 1, key: parseMasterKey(key, 'masterKey') }]) };
}

describe('extractionSettings', () => {
  const withLlm = modelEngine({ baseUrl: 'http://127.0.0.1:9/v1', model: 'small' }, { allowed: ['small', 'big'] });
  const withDefault = modelEngine({ baseUrl: 'http://127.0.0.1:9/v1', model: 'small' }, { allowed: ['small', 'big'], default: 'big' });
  const offline = modelEngine(undefined);

  it("defaults the policy to add-only with an LLM and off without, and the model to the tenant's, the default, then the LLM's", () => {
    expect(extractionSettings(withLlm, {})).toEqual({ policy: 'add-only', model: 'small' });
    expect(extractionSettings(withDefault, { tier: 'gold' })).toEqual({ policy: 'add-only', model: 'big' });
    expect(extractionSettings(withDefault, { extraction: { model: 'small', policy: 'full' } })).toEqual({ policy: 'full', model: 'small' });
    expect(extractionSettings(offline, {})).toEqual({ policy: 'off', model: undefined });
    // The configured policy is returned even with no LLM: tenantChatModel says a model is missing.
    expect(extractionSettings(offline, { extraction: { policy: 'full', model: 'big' } })).toEqual({ policy: 'full', model: 'big' });
    expect(extractionSettings(withLlm, null)).toEqual({ policy: 'add-only', model: 'small' });
    expect(extractionSettings(withLlm, { extraction: null })).toEqual({ policy: 'add-only', model: 'small' });
  });

  it('reads a stored value that is not a valid extraction setting as off (fails closed)', () => {
    for (const extraction of ['yes', { policy: 'everything' }, { policy: 'full', extra: true }, { model: 3 }]) {
      expect(extractionSettings(withLlm, { extraction }).policy, JSON.stringify(extraction)).toBe('off');
    }
  });
});

describeEachStore('tenant models', (target) => {
  let llm: ChatCompletionsServer;
  let database: Database;
  let strata: Strata;
  let deployment: ModelEngine;
  const connection = () => ({ baseUrl: llm.url, model: 'small', apiKey: deploymentKey, maxRetries: 0 });

  beforeAll(async () => {
    llm = await startChatCompletionsServer();
    database = await openRawDatabase(target);
    strata = await createStrata({ database, llm: connection(), models: { allowed: ['small', 'big'] }, masterKey });
    deployment = modelEngine(connection(), { allowed: ['small', 'big'] });
    await strata.tenants.create({ id: 'acme', settings: { extraction: { policy: 'full', model: 'big' } } });
    await strata.tenants.create({ id: 'globex' });
  });
  afterAll(async () => {
    await strata?.close();
    await llm?.close();
  });

  const settingsOf = async (tenantId: string) => (await strata.tenants.get(tenantId)).settings;
  const inTenant = <T>(tenantId: string, work: Parameters<Database['withSession']>[1]) =>
    database.withSession({ role: 'admin', tenantId }, work) as Promise<T>;
  const resolve = (engine: ModelEngine, tenantId: string, settings: unknown) =>
    inTenant<Awaited<ReturnType<typeof tenantChatModel>>>(tenantId, (db) => tenantChatModel(engine, db, tenantId, settings));
  const lastAuthorization = () => llm.requests.at(-1)?.authorization;
  const ask = (provider: LLMProvider) => provider.chat({ messages: [{ role: 'user', content: 'hello' }] });

  it('validates settings.extraction on create and update: unknown keys and bad values name the field', async () => {
    const cases: [unknown, string][] = [
      [{ extraction: { xyz: 1 } }, 'settings.extraction.xyz'],
      [{ extraction: { policy: 'sometimes' } }, 'settings.extraction.policy'],
      [{ extraction: { model: '' } }, 'settings.extraction.model'],
      [{ extraction: { model: 'has space' } }, 'settings.extraction.model'],
      [{ extraction: 'full' }, 'settings.extraction'],
    ];
    for (const [settings, field] of cases) {
      const created = await failure(strata.tenants.create({ id: 'refused', settings: settings as never }));
      expect(created, JSON.stringify(settings)).toMatchObject({ code: 'invalid_input', details: { field } });
      expect(created.message.startsWith(`${field}: `)).toBe(true);
      const updated = await failure(strata.tenants.update('globex', { settings: settings as never }));
      expect(updated, JSON.stringify(settings)).toMatchObject({ code: 'invalid_input', details: { field } });
    }
    await expect(strata.tenants.get('refused')).rejects.toMatchObject({ code: 'not_found' });
    // A create may not set it to null; only an update removes it that way.
    expect(await failure(strata.tenants.create({ id: 'refused', settings: { extraction: null } }))).toMatchObject({
      details: { field: 'settings.extraction' },
    });
  });

  it("refuses a model outside the deployment's allow-list with forbidden naming it, and changes nothing", async () => {
    const created = await failure(strata.tenants.create({ id: 'refused', settings: { extraction: { model: 'gpt-x' } } }));
    expect(created).toMatchObject({ code: 'forbidden', details: { field: 'settings.extraction.model', model: 'gpt-x' } });
    expect(created.message).toContain(`model "gpt-x" is not in this deployment's allowed models`);
    await expect(strata.tenants.get('refused')).rejects.toMatchObject({ code: 'not_found' });
    const before = await settingsOf('globex');
    const updated = await failure(strata.tenants.update('globex', { settings: { extraction: { model: 'gpt-x' }, tier: 'gold' } }));
    expect(updated).toMatchObject({ code: 'forbidden', details: { model: 'gpt-x' } });
    expect(await settingsOf('globex')).toEqual(before);
  });

  it('keeps the rest of settings free-form, replaces extraction whole on update, and removes it with null', async () => {
    await strata.tenants.update('globex', { settings: { tier: 'gold', extraction: { policy: 'off', model: 'small' } } });
    expect(await settingsOf('globex')).toEqual({ tier: 'gold', extraction: { policy: 'off', model: 'small' } });
    await strata.tenants.update('globex', { settings: { extraction: { model: 'big' } } });
    expect(await settingsOf('globex')).toEqual({ tier: 'gold', extraction: { model: 'big' } });
    await strata.tenants.update('globex', { settings: { extraction: null } });
    expect(await settingsOf('globex')).toEqual({ tier: 'gold' });
  });

  it('gives undefined when the deployment has no LLM, and the deployment LLM on the chosen model without a tenant key', async () => {
    expect(await resolve(modelEngine(undefined), 'acme', await settingsOf('acme'))).toBeUndefined();
    const chat = await resolve(deployment, 'acme', await settingsOf('acme'));
    expect(chat?.model).toBe('big');
    expect(chat?.provider.model).toBe('big');
    const answer = await ask(chat?.provider as LLMProvider);
    expect(answer.model).toBe('big');
    expect(lastAuthorization()).toBe(`Bearer ${deploymentKey}`);
    const plain = await resolve(deployment, 'globex', await settingsOf('globex'));
    expect(plain).toMatchObject({ model: 'small' });
  });

  it("uses the tenant's own key with the deployment's base URL once it is set, and the deployment's again once deleted", async () => {
    await strata.as({ tenantId: 'acme', role: 'admin' }).tenants.setProviderKey('acme', { apiKey: tenantKey });
    const chat = await resolve(deployment, 'acme', await settingsOf('acme'));
    expect(chat?.model).toBe('big');
    const before = llm.requests.length;
    expect((await ask(chat?.provider as LLMProvider)).model).toBe('big');
    expect(llm.requests.length).toBe(before + 1);
    expect(llm.requests.at(-1)).toMatchObject({ path: '/v1/chat/completions', authorization: `Bearer ${tenantKey}` });
    // Another tenant still runs on the deployment's key.
    await ask((await resolve(deployment, 'globex', {}))?.provider as LLMProvider);
    expect(lastAuthorization()).toBe(`Bearer ${deploymentKey}`);
    await strata.tenants.deleteProviderKey('acme');
    await ask((await resolve(deployment, 'acme', await settingsOf('acme')))?.provider as LLMProvider);
    expect(lastAuthorization()).toBe(`Bearer ${deploymentKey}`);
  });

  it('re-checks the allow-list at use: settings written before a configuration change are forbidden, naming the model', async () => {
    const narrowed = modelEngine(connection(), { allowed: ['small'] });
    const error = await failure(resolve(narrowed, 'acme', await settingsOf('acme')));
    expect(error).toMatchObject({ code: 'forbidden', details: { field: 'settings.extraction.model', model: 'big', tenantId: 'acme' } });
    expect(error.message).toContain('model "big" is not in');
    // The deployment default is checked the same way.
    const renamed = { ...narrowed, models: { ...narrowed.models, default: 'retired' } };
    expect(await failure(resolve(renamed, 'globex', {}))).toMatchObject({ code: 'forbidden', details: { model: 'retired' } });
  });

  it('never falls back to the deployment key when a stored tenant key cannot be used', async () => {
    await strata.tenants.setProviderKey('acme', { apiKey: tenantKey });
    const settings = await settingsOf('acme');
    const otherMaster = modelEngine(connection(), { allowed: ['small', 'big'] }, randomBytes(32).toString('hex'));
    expect(await failure(resolve(otherMaster, 'acme', settings))).toMatchObject({ code: 'misconfigured' });
    const noMaster = modelEngine(connection(), { allowed: ['small', 'big'] }, '');
    expect(await failure(resolve(noMaster, 'acme', settings))).toMatchObject({
      code: 'misconfigured',
      details: { variable: 'STRATA_MASTER_KEY' },
    });
    const providerObject = modelEngine(bareProvider(), { allowed: ['small', 'big'] });
    expect(await failure(resolve(providerObject, 'acme', settings))).toMatchObject({ code: 'misconfigured', details: { field: 'llm' } });
    const errors = JSON.stringify(
      await Promise.all([otherMaster, noMaster, providerObject].map((engine) => failure(resolve(engine, 'acme', settings)))),
    );
    expect(errors).not.toContain(tenantKey);
    await strata.tenants.deleteProviderKey('acme');
  });

  it("refuses a session that is not the tenant's own instead of reading it as no key", async () => {
    await strata.tenants.setProviderKey('acme', { apiKey: tenantKey });
    for (const settings of [{ role: 'admin', tenantId: 'globex' }, { role: 'platform' }, { role: 'system' }]) {
      const error = await failure(database.withSession(settings, (db) => tenantChatModel(deployment, db, 'acme', {})));
      expect(error, JSON.stringify(settings)).toMatchObject({ code: 'internal' });
    }
    await strata.tenants.deleteProviderKey('acme');
  });

  it("keeps the key row invisible and unwritable under the application role in another tenant's session", async () => {
    await strata.tenants.setProviderKey('acme', { apiKey: tenantKey });
    const visible = (tenantId: string) =>
      inTenant<string[]>(tenantId, async (db) => {
        // Deliberately no WHERE clause: only row-level security stands between the tenants here.
        const result = await db.query<{ tenant_id: string }>('SELECT tenant_id FROM tenant_provider_keys');
        return result.rows.map((row) => row.tenant_id);
      });
    expect(await visible('acme')).toEqual(['acme']);
    expect(await visible('globex')).toEqual([]);
    expect(await database.withSession({ role: 'platform' }, (db) => db.query('SELECT * FROM tenant_provider_keys'))).toMatchObject({
      rows: [],
    });
    const stolen = await inTenant<{ sealed: string; key_version: number }>('acme', async (db) => {
      const result = await db.query<{ sealed: string; key_version: number }>('SELECT sealed, key_version FROM tenant_provider_keys');
      return result.rows[0] as { sealed: string; key_version: number };
    });
    expect(stolen.sealed).not.toContain(tenantKey);
    const insertAcme = `INSERT INTO tenant_provider_keys (tenant_id, sealed, key_version, created_at, updated_at) VALUES ('acme', $1, 1, now(), now())`;
    await expect(inTenant('globex', (db) => db.query(insertAcme, [stolen.sealed]))).rejects.toMatchObject({ code: '42501' });
    expect(
      await inTenant('globex', (db) => db.query(`UPDATE tenant_provider_keys SET sealed = 'x' WHERE tenant_id = 'acme'`)),
    ).toMatchObject({
      affectedRows: 0,
    });
    expect(await inTenant('globex', (db) => db.query(`DELETE FROM tenant_provider_keys WHERE tenant_id = 'acme'`))).toMatchObject({
      affectedRows: 0,
    });
    // Copied into globex's own row (as globex may write), acme's sealed key does not open there.
    await inTenant('globex', (db) =>
      db.query(
        `INSERT INTO tenant_provider_keys (tenant_id, sealed, key_version, created_at, updated_at) VALUES ('globex', $1, $2, now(), now())`,
        [stolen.sealed, stolen.key_version],
      ),
    );
    expect(await failure(resolve(deployment, 'globex', {}))).toMatchObject({ code: 'misconfigured' });
    await strata.tenants.deleteProviderKey('globex');
    await strata.tenants.deleteProviderKey('acme');
  });
});

/** An LLM given as a provider object: usable as the deployment's, but with no base URL for tenant keys. */
function bareProvider(): LLMProvider {
  return { model: 'small', chat: () => Promise.reject(new Error('not called in this test')) };
}

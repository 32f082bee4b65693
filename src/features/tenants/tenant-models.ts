import type { z } from 'zod';
import { StrataError } from '../../core/errors.ts';
import type { Queryable } from '../../db/database.ts';
import type { Engine } from '../../kernel/engine.ts';
import type { LLMProvider } from '../../models/llm-provider.ts';
import { createOpenAIChatModel } from '../../models/openai-chat-model.ts';
import { providerKeyContext } from './provider-keys-api.ts';
import { readProviderKey } from './provider-keys-sql.ts';
import { type extractionPolicies, extractionSettingsSchema } from './tenants-schemas.ts';

/** How far extraction may change a tenant's memories: `off`, `add-only` (new memories only) or `full` (add, update, invalidate). */
export type ExtractionPolicy = (typeof extractionPolicies)[number];

/** `settings.extraction` as stored. */
export type StoredExtractionSettings = z.infer<typeof extractionSettingsSchema>;

/** A tenant's extraction settings with the deployment's defaults filled in. */
export interface ExtractionSettings {
  /**
   * The tenant's `settings.extraction.policy`; when unset, `add-only` if the deployment has an
   * LLM and `off` if not. A stored value that is not a valid extraction setting (written before
   * it was checked) reads as `off`: a tenant is never opted in by a value it did not mean.
   */
  policy: ExtractionPolicy;
  /**
   * The model extraction would use: the tenant's `settings.extraction.model`, else the
   * deployment's `models.default`, else the LLM's own `model`; `undefined` with no LLM and
   * neither set. Not checked against the allow-list here: {@link tenantChatModel} does that at use.
   */
  model: string | undefined;
}

/**
 * A tenant's extraction policy and model, from its settings (a `Tenant['settings']`, or the raw
 * JSON) and the deployment's defaults. Pure: it reads no database. Whether a model can actually
 * be called (an LLM is configured, the model is still allowed, the tenant's key opens) is
 * {@link tenantChatModel}'s answer; a worker runs extraction when the policy is not `off` and
 * that returns a model.
 *
 * @example
 * const { policy } = extractionSettings(engine, tenant.settings);
 * if (policy !== 'off') { const chat = await tenantChatModel(engine, db, tenant.id, tenant.settings); ... }
 */
export function extractionSettings(engine: Pick<Engine, 'llm' | 'models'>, tenantSettings: unknown): ExtractionSettings {
  const stored = storedExtraction(tenantSettings);
  const fallbackModel = engine.models.default ?? engine.llm?.model;
  if (stored === 'invalid') return { policy: 'off', model: fallbackModel };
  return {
    policy: stored.policy ?? (engine.llm === undefined ? 'off' : 'add-only'),
    model: stored.model ?? fallbackModel,
  };
}

function storedExtraction(tenantSettings: unknown): StoredExtractionSettings | 'invalid' {
  if (typeof tenantSettings !== 'object' || tenantSettings === null) return {};
  const value = (tenantSettings as Record<string, unknown>).extraction;
  if (value === undefined || value === null) return {};
  const parsed = extractionSettingsSchema.safeParse(value);
  return parsed.success ? parsed.data : 'invalid';
}

/**
 * Throws `forbidden` naming `model` (and the input `field` holding it) unless the deployment
 * allows it. Settings are checked when written and again at use: the allow-list may have changed since.
 */
export function assertModelAllowed(
  engine: Pick<Engine, 'models'>,
  model: string | undefined,
  tenantId?: string,
  field = 'settings.extraction.model',
): void {
  if (model === undefined || engine.models.allowed.includes(model)) return;
  throw new StrataError('forbidden', `${field}: model ${JSON.stringify(model)} is not in this deployment's allowed models`, {
    details: { field, model, allowed: [...engine.models.allowed], ...(tenantId === undefined ? {} : { tenantId }) },
  });
}

/** The model a tenant's extraction calls, and the provider that reaches it. */
export interface TenantChatModel {
  /** Sends requests naming no model to `model`; with the tenant's own key, to the deployment's base URL with that key. */
  provider: LLMProvider;
  /** The chosen model (see {@link ExtractionSettings.model}), allowed by the deployment. */
  model: string;
}

/**
 * The LLM a tenant's extraction uses, or `undefined` when the deployment has no LLM (the
 * offline default: nothing is faked, extraction does not run). The model is the one
 * {@link extractionSettings} names, checked against the allow-list again (`forbidden` naming it:
 * the settings may predate a configuration change). With a provider key of the tenant's
 * (`tenants.setProviderKey`), the provider is an OpenAI-compatible chat model on the
 * deployment's base URL (never one the tenant supplied) with that key; without one, the
 * deployment's LLM. `db` must be a session inside `tenantId` (row-level security hides the key
 * from any other); anything else is `internal`. A stored key that cannot be used (no master key
 * any more, a master key that does not open it, an LLM without a base URL) is `misconfigured`,
 * never a silent fall-back to the deployment's key. The policy is not consulted: check
 * `extractionSettings(...).policy` first.
 *
 * @example
 * const chat = await tenantChatModel(engine, db, tenantId, tenant.settings);
 * if (chat !== undefined) await chat.provider.chat({ messages, responseFormat: { type: 'json' } });
 */
export async function tenantChatModel(
  engine: Pick<Engine, 'llm' | 'models' | 'secretBox'>,
  db: Queryable,
  tenantId: string,
  tenantSettings: unknown,
): Promise<TenantChatModel | undefined> {
  const llm = engine.llm;
  if (llm === undefined) return undefined;
  const model = extractionSettings(engine, tenantSettings).model ?? llm.model;
  assertModelAllowed(engine, model, tenantId);
  const { sessionTenant, stored } = await readProviderKey(db, tenantId);
  if (sessionTenant !== tenantId) {
    throw new StrataError('internal', `tenantChatModel: the session is not inside tenant ${JSON.stringify(tenantId)}`);
  }
  if (stored === undefined) return { provider: withDefaultModel(llm, model), model };
  if (engine.secretBox === undefined) {
    throw new StrataError(
      'misconfigured',
      `masterKey: tenant ${JSON.stringify(tenantId)} has a provider key, but no master key (STRATA_MASTER_KEY) is configured to open it`,
      { details: { field: 'masterKey', variable: 'STRATA_MASTER_KEY', tenantId } },
    );
  }
  const connection = engine.models.connection;
  if (connection === undefined) {
    throw new StrataError(
      'misconfigured',
      `llm: tenant ${JSON.stringify(tenantId)} has a provider key, but the deployment's LLM has no base URL to use it with`,
      { details: { field: 'llm', tenantId } },
    );
  }
  const apiKey = engine.secretBox.open(stored, providerKeyContext(tenantId)).toString('utf8');
  return { provider: createOpenAIChatModel({ ...connection, model, apiKey }), model };
}

/** `provider` with requests that name no model sent to `model`. */
function withDefaultModel(provider: LLMProvider, model: string): LLMProvider {
  if (provider.model === model) return provider;
  return { model, chat: (request, options) => provider.chat({ ...request, model: request.model ?? model }, options) };
}

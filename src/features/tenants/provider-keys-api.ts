import type { z } from 'zod';
import { notFound, StrataError } from '../../core/errors.ts';
import { parseOpaqueId } from '../../core/ids.ts';
import { parseInput } from '../../core/schemas.ts';
import type { Identity } from '../../core/scope.ts';
import { type CallerContext, currentIdentity } from '../../kernel/caller.ts';
import { type Engine, inSession } from '../../kernel/engine.ts';
import type { SealContext, SecretBox } from '../../kernel/secret-box.ts';
import { deleteProviderKeyRow, upsertProviderKey } from './provider-keys-sql.ts';
import { providerKeyInputSchema, type providerKeyStatusSchema } from './tenants-schemas.ts';

/** Whether a tenant has its own LLM provider key: its last four characters and when it was set, never the key. */
export type ProviderKeyStatus = z.infer<typeof providerKeyStatusSchema>;

/** Input to `tenants.setProviderKey`. */
export type ProviderKeyInput = z.input<typeof providerKeyInputSchema>;

/** A tenant's provider key is sealed bound to its tenant and row: copied into another tenant's row, it does not open. */
export const providerKeyContext = (tenantId: string): SealContext => ({
  tenantId,
  purpose: 'tenant_provider_keys.sealed',
  rowId: tenantId,
});

/** The last four characters of a key long enough that they give little away; null otherwise. */
export const keyHint = (apiKey: string): string | null => (apiKey.length >= 16 ? apiKey.slice(-4) : null);

/** The provider key methods of the tenants API. */
export interface ProviderKeysApi {
  /**
   * Stores the tenant's own API key for the deployment's LLM server, sealed under the master
   * key (replacing any earlier one); extraction then calls the deployment's base URL with it.
   * The key is never returned, logged, audited or exported. The operator, the tenant's client
   * admin and the tenant's own admin may; another tenant is `not_found`. `misconfigured` when
   * the deployment has no master key, or no LLM base URL to use the key with.
   */
  setProviderKey(id: string, input: ProviderKeyInput): Promise<ProviderKeyStatus>;
  /** Deletes the tenant's provider key (none is fine): extraction goes back to the deployment's own key. */
  deleteProviderKey(id: string): Promise<ProviderKeyStatus>;
}

/** Builds the provider key methods for `bound` (or the ambient caller). */
export function createProviderKeysApi(engine: Engine, bound: CallerContext | undefined): ProviderKeysApi {
  /** The caller acting in `tenantId`: a tenant admin only in its own (members and readers were refused by tenants.configure). */
  const configurer = (tenantId: string): Identity & { clientKnown: boolean } => {
    const identity = currentIdentity(engine, bound);
    if (identity.role === 'admin' && identity.tenantId !== tenantId) throw notFound('tenant', tenantId);
    const { userId: _user, ...rest } = identity;
    // inSession refuses a tenant of another client (for a client admin) as not_found.
    return { ...rest, tenantId };
  };

  return {
    async setProviderKey(id, input) {
      const tenantId = parseOpaqueId('id', id);
      const { apiKey } = parseInput(providerKeyInputSchema, input);
      const identity = configurer(tenantId);
      const box = keyStorage(engine);
      const sealed = box.seal(apiKey, providerKeyContext(tenantId));
      const at = engine.now().toISOString();
      const stored = await inSession(engine, identity, (db) =>
        upsertProviderKey(db, { tenantId, ...sealed, keyHint: keyHint(apiKey), at }),
      );
      return { tenantId, configured: true, ...stored };
    },

    async deleteProviderKey(id) {
      const tenantId = parseOpaqueId('id', id);
      const identity = configurer(tenantId);
      await inSession(engine, identity, (db) => deleteProviderKeyRow(db, tenantId));
      return { tenantId, configured: false, keyHint: null, updatedAt: null };
    },
  };
}

/** The secret box tenant keys are sealed in, if the deployment can store and use them. */
function keyStorage(engine: Engine): SecretBox {
  if (engine.secretBox === undefined) {
    throw new StrataError(
      'misconfigured',
      'masterKey: this deployment has no master key (STRATA_MASTER_KEY), so it cannot store tenant provider keys',
      { details: { field: 'masterKey', variable: 'STRATA_MASTER_KEY' } },
    );
  }
  if (engine.models.connection === undefined) {
    const reason = engine.llm === undefined ? 'has no LLM' : 'has its LLM as a provider object, with no base URL';
    throw new StrataError(
      'misconfigured',
      `llm: this deployment ${reason} (STRATA_LLM_URL, or llm given as OpenAI-compatible options), so a tenant provider key could not be used`,
      { details: { field: 'llm', variable: 'STRATA_LLM_URL' } },
    );
  }
  return engine.secretBox;
}

import { StrataError } from '../core/errors.ts';
import { modelName } from '../core/schemas.ts';
import type { LLMProvider } from '../models/llm-provider.ts';
import { createOpenAIChatModel, type OpenAIChatModelOptions } from '../models/openai-chat-model.ts';

/** The models tenants may choose (`settings.extraction.model`) and the deployment's default; see {@link resolveDeploymentModels}. */
export interface ModelChoices {
  /** Model names tenants may choose. Default: the LLM's own `model` alone. */
  allowed?: readonly string[];
  /** The model of a tenant that names none; must be in `allowed`. Default: the LLM's own `model`. */
  default?: string;
}

/** The deployment's model policy as the engine holds it. */
export interface DeploymentModels {
  /** Model names a tenant may choose; checked when settings are written and again at use. */
  readonly allowed: readonly string[];
  /** The model of a tenant that names none (`undefined`: the LLM's own `model`). */
  readonly default: string | undefined;
  /**
   * The OpenAI-compatible connection (base URL, headers, timeouts, retries; never the
   * deployment's API key) a tenant's own provider key is used with. `undefined` when no LLM is
   * configured, or when it was given as a provider object: then tenant keys are refused.
   */
  readonly connection: Readonly<Omit<OpenAIChatModelOptions, 'apiKey'>> | undefined;
}

/** Where a bad value came from: option paths (the library) or variables (the environment). */
export interface ModelSettingNames {
  allowed: string;
  default: string;
}

const optionNames: ModelSettingNames = { allowed: 'models.allowed', default: 'models.default' };

/**
 * The deployment's LLM and model policy from the `llm` and `models` options. `llm` may be a
 * provider, or OpenAI-compatible options (the provider is built from them, and tenants' own
 * keys can then be sent to the same base URL). An allow-list entry that is not a model name,
 * an empty allow-list, or a default (given, or the LLM's own model) outside the allow-list is
 * `misconfigured` naming the option (or, with `names`, the variable).
 */
export function resolveDeploymentModels(
  llm: LLMProvider | OpenAIChatModelOptions | undefined,
  choices: ModelChoices = {},
  names: ModelSettingNames = optionNames,
): { llm: LLMProvider | undefined; models: DeploymentModels } {
  const provider = llm === undefined || isProvider(llm) ? llm : createOpenAIChatModel(llm);
  let connection: DeploymentModels['connection'];
  if (llm !== undefined && !isProvider(llm)) {
    const { apiKey: _deploymentKey, ...rest } = llm;
    connection = Object.freeze(rest);
  }
  const allowed = choices.allowed === undefined ? (provider === undefined ? [] : [provider.model]) : [...new Set(choices.allowed)];
  if (choices.allowed !== undefined && allowed.length === 0) throw misconfigured(names.allowed, 'must name at least one model');
  for (const [index, name] of allowed.entries()) {
    const checked = modelName.safeParse(name);
    if (!checked.success)
      throw misconfigured(names.allowed, `entry ${index + 1} ${checked.error.issues[0]?.message ?? 'is not a model name'}`);
  }
  const fallback = choices.default ?? provider?.model;
  if (fallback !== undefined && !allowed.includes(fallback)) {
    const source = choices.default === undefined ? ` (the LLM's own model, as ${names.default} is not set)` : '';
    throw misconfigured(names.default, `${JSON.stringify(fallback)}${source} is not in the allowed models (${names.allowed})`);
  }
  return { llm: provider, models: Object.freeze({ allowed: Object.freeze(allowed), default: choices.default, connection }) };
}

/** True for a provider object, false for connection options. */
function isProvider(llm: LLMProvider | OpenAIChatModelOptions): llm is LLMProvider {
  return typeof (llm as Partial<LLMProvider>).chat === 'function';
}

function misconfigured(name: string, problem: string): StrataError {
  const details = name.startsWith('STRATA_') ? { variable: name } : { field: name };
  return new StrataError('misconfigured', `${name}: ${problem}`, { details });
}

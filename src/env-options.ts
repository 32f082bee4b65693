import { StrataError } from './core/errors.ts';
import { isOpaqueId, opaqueIdRule } from './core/ids.ts';
import { resolveDeploymentModels } from './kernel/deployment-models.ts';
import { priceTableFromEnvironment } from './kernel/prices.ts';
import { parseMasterKey } from './kernel/secret-box.ts';
import { createEmbedderFromEnvironment } from './models/embedder-from-env.ts';
import { llmOptionsFromEnvironment } from './models/llm-from-env.ts';
import type { StrataOptions } from './options.ts';

/**
 * Reads `STRATA_*` variables and `DATABASE_URL` into options, rejecting bad values with a
 * `misconfigured` error that names the variable.
 */
export function optionsFromEnvironment(environment: NodeJS.ProcessEnv = process.env): StrataOptions {
  const options: StrataOptions = {};
  const text = (name: string) => {
    const value = environment[name];
    return value === undefined || value === '' ? undefined : value;
  };
  const integer = (name: string, minimum: number) => {
    const value = text(name);
    if (value === undefined) return undefined;
    const parsed = Number(value);
    if (!Number.isInteger(parsed) || parsed < minimum) throw misconfigured(name, `must be an integer >= ${minimum}`);
    return parsed;
  };
  const id = (name: string) => {
    const value = text(name);
    if (value !== undefined && !isOpaqueId(value)) throw misconfigured(name, opaqueIdRule);
    return value;
  };
  const dataDir = text('STRATA_DATA_DIR');
  if (dataDir !== undefined) options.dataDir = dataDir;
  const databaseUrl = text('DATABASE_URL');
  if (databaseUrl !== undefined) {
    if (!/^postgres(ql)?:\/\//.test(databaseUrl)) throw misconfigured('DATABASE_URL', 'must start with postgres:// or postgresql://');
    options.databaseUrl = databaseUrl;
  }
  const multitenancy = text('STRATA_MULTITENANCY');
  if (multitenancy !== undefined) {
    if (!['true', 'false'].includes(multitenancy)) throw misconfigured('STRATA_MULTITENANCY', 'must be true or false');
    options.multitenancy = multitenancy === 'true';
  }
  const defaultTenant = id('STRATA_DEFAULT_TENANT');
  if (defaultTenant !== undefined) options.defaultTenant = defaultTenant;
  const defaultClient = id('STRATA_DEFAULT_CLIENT');
  if (defaultClient !== undefined) options.defaultClient = defaultClient;
  const defaultPlan = text('STRATA_DEFAULT_PLAN');
  if (defaultPlan !== undefined) {
    if (!/^[a-z][a-z0-9-]{0,63}$/.test(defaultPlan)) throw misconfigured('STRATA_DEFAULT_PLAN', 'must be a plan name like starter');
    options.defaultPlan = defaultPlan;
  }
  const role = text('STRATA_DB_ROLE');
  if (role !== undefined) {
    if (!/^[a-z_][a-z0-9_]{0,62}$/.test(role)) throw misconfigured('STRATA_DB_ROLE', 'must be a lowercase SQL identifier');
    options.databaseRole = role;
  }
  const poolSize = integer('STRATA_DB_POOL_SIZE', 1);
  if (poolSize !== undefined) options.poolSize = poolSize;
  const timeout = integer('STRATA_STATEMENT_TIMEOUT_MS', 1);
  if (timeout !== undefined) options.statementTimeoutMs = timeout;
  const sharedBuffers = integer('STRATA_PGLITE_SHARED_BUFFERS_MB', 1);
  // PGlite's WASM heap ends at 2 GiB; a buffer pool near it could not start.
  if (sharedBuffers !== undefined && sharedBuffers > 1024) throw misconfigured('STRATA_PGLITE_SHARED_BUFFERS_MB', 'must be at most 1024');
  if (sharedBuffers !== undefined) options.pgliteSharedBuffersMb = sharedBuffers;
  const threshold = integer('STRATA_VECTOR_INDEX_THRESHOLD', 1);
  if (threshold !== undefined) options.vectorIndexThreshold = threshold;
  const prices = priceTableFromEnvironment(environment);
  if (prices !== undefined) options.prices = prices;
  const embedder = createEmbedderFromEnvironment(environment);
  if (embedder !== undefined) options.embedder = embedder;
  modelOptions(options, environment, text);
  const worker = text('STRATA_EXTRACTION_WORKER');
  if (worker !== undefined && !['on', 'off'].includes(worker)) throw misconfigured('STRATA_EXTRACTION_WORKER', 'must be on or off');
  const extraction = {
    ...(worker === undefined ? {} : { worker: worker === 'on' }),
    ...optional('concurrency', integer('STRATA_EXTRACTION_CONCURRENCY', 1)),
    ...optional('leaseMs', integer('STRATA_EXTRACTION_LEASE_MS', 1_000)),
    ...optional('maxAttempts', integer('STRATA_EXTRACTION_MAX_ATTEMPTS', 1)),
  };
  if (Object.keys(extraction).length > 0) options.extraction = extraction;
  const masterKey = text('STRATA_MASTER_KEY');
  if (masterKey !== undefined) {
    parseMasterKey(masterKey, 'STRATA_MASTER_KEY');
    options.masterKey = masterKey;
  }
  return options;
}

/** `llm` from `STRATA_LLM_*`, `models` from `STRATA_ALLOWED_MODELS` (comma-separated) and `STRATA_DEFAULT_MODEL`, checked together. */
function modelOptions(options: StrataOptions, environment: NodeJS.ProcessEnv, text: (name: string) => string | undefined): void {
  const llm = llmOptionsFromEnvironment(environment);
  if (llm !== undefined) options.llm = llm;
  const allowed = text('STRATA_ALLOWED_MODELS')
    ?.split(',')
    .map((name) => name.trim())
    .filter((name) => name.length > 0);
  const fallback = text('STRATA_DEFAULT_MODEL')?.trim();
  const models = { ...(allowed === undefined ? {} : { allowed }), ...(fallback === undefined ? {} : { default: fallback }) };
  resolveDeploymentModels(llm, models, { allowed: 'STRATA_ALLOWED_MODELS', default: 'STRATA_DEFAULT_MODEL' });
  if (allowed !== undefined || fallback !== undefined) options.models = models;
}

function optional<K extends string>(key: K, value: number | undefined): Partial<Record<K, number>> {
  return value === undefined ? {} : ({ [key]: value } as Record<K, number>);
}

/** A configuration error naming the variable. */
export function misconfigured(name: string, problem: string): StrataError {
  return new StrataError('misconfigured', `${name}: ${problem}`, { details: { variable: name } });
}

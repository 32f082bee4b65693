import { resolve } from 'node:path';
import type { Plan } from './core/plans.ts';
import type { Database } from './db/database.ts';
import type { ExtractionWorkerOptions } from './features/conversations/index.ts';
import type { WebhookDispatcherOptions } from './features/webhooks/index.ts';
import type { ModelChoices } from './kernel/deployment-models.ts';
import type { PriceTable } from './kernel/prices.ts';
import type { EmbeddingProvider } from './models/embedding-provider.ts';
import type { LLMProvider } from './models/llm-provider.ts';
import type { OpenAIChatModelOptions } from './models/openai-chat-model.ts';
import type { Telemetry } from './telemetry/types.ts';

/** Options for {@link createStrata}; every field has a default. */
export interface StrataOptions {
  /** PGlite data directory (embedded default). Default `./.strata`, or `STRATA_DATA_DIR`. */
  dataDir?: string;
  /** Run PGlite in memory (tests, throwaway stores): nothing is written to disk. */
  inMemory?: boolean;
  /** A PGlite `dumpDataDir()` tarball to start from (test fixtures). */
  loadDataDir?: Blob;
  /** PGlite's PostgreSQL `shared_buffers`, in MiB. Default 32, or `STRATA_PGLITE_SHARED_BUFFERS_MB`. */
  pgliteSharedBuffersMb?: number;
  /**
   * An already opened database (advanced: tests and embedding hosts that manage their own
   * PGlite). Strata migrates it, checks it, and closes it on `close()`.
   */
  database?: Database;
  /** PostgreSQL server URL; when set, used instead of PGlite. Default `DATABASE_URL`. */
  databaseUrl?: string;
  /** Connection pool size for a PostgreSQL server. Default 10. */
  poolSize?: number;
  /** The role every query runs as: not superuser, no BYPASSRLS. Default `strata_app`. */
  databaseRole?: string;
  /** Per-statement time limit in milliseconds. Default 30,000. */
  statementTimeoutMs?: number;
  /** B2B mode (default true): every tenant-scoped call names a customer. */
  multitenancy?: boolean;
  /** The tenant every call uses when `multitenancy` is false. Default `default`. */
  defaultTenant?: string;
  /** The client application used when a caller names none. Default `default`. */
  defaultClient?: string;
  /** Embeds memories and queries. Default: the offline hash embedder. */
  embedder?: EmbeddingProvider;
  /**
   * The language model memory extraction asks (default none, or `STRATA_LLM_*`; with none,
   * nothing that needs a model runs). OpenAI-compatible options (`{ baseUrl, model, apiKey }`):
   * Strata builds the provider, and a tenant's own provider key (`tenants.setProviderKey`) is
   * sent to the same base URL. Any other {@link LLMProvider}: used as is, and tenant provider
   * keys are refused (there is no base URL to send them to).
   */
  llm?: LLMProvider | OpenAIChatModelOptions;
  /**
   * The models tenants may choose in `settings.extraction.model` (default: the LLM's own
   * `model`, or `STRATA_ALLOWED_MODELS`) and the default of a tenant that names none (default:
   * the LLM's own `model`, or `STRATA_DEFAULT_MODEL`; it must be allowed).
   */
  models?: ModelChoices;
  /**
   * The master key that seals tenant secrets (provider keys) in the database: 32 bytes, as 64
   * hex characters, base64, or bytes. Default `STRATA_MASTER_KEY`; without one, tenant provider
   * keys cannot be stored (`misconfigured`). Changing it makes stored secrets unreadable.
   */
  masterKey?: string | Uint8Array;
  /**
   * Searchable rows above which a tenant gets its own HNSW index; below it, vector search is an
   * exact scan. Default 5,000 (chosen by measurement: bench/results/scale.md).
   */
  vectorIndexThreshold?: number;
  /** Build a tenant's index in the background when a write crosses the threshold. Default true. */
  autoIndex?: boolean;
  /** Open even if stored rows were embedded by another model (only for `reembed`). */
  allowModelChange?: boolean;
  /** Spans and metrics. Default: `createTelemetry()` (OTLP export when `OTEL_EXPORTER_OTLP_ENDPOINT` is set). */
  telemetry?: Telemetry;
  /**
   * Prices for the estimated cost in usage reports (validated at open; a bad field is
   * `invalid_input` naming it). Default: illustrative list prices, or `STRATA_PRICE_TABLE`.
   */
  prices?: PriceTable;
  /** Clock, injectable for tests. */
  now?: () => Date;
  /** Id generator, injectable for tests. */
  generateId?: () => string;
  /**
   * Webhook delivery. `dispatch` (default true; `STRATA_WEBHOOKS_DISPATCH=off` also turns it off)
   * runs the dispatcher in this process; the other fields tune polling, timeouts and retries.
   */
  webhooks?: WebhookDispatcherOptions & { dispatch?: boolean };
  /**
   * Memory extraction from conversations. `worker` (default true where `llm` is set;
   * `STRATA_EXTRACTION_WORKER=off` also turns it off) runs the job worker in this process; the
   * other fields tune concurrency, leases, retries and the candidates shown to the model.
   */
  extraction?: ExtractionWorkerOptions;
  /**
   * Plan presets by name, replacing the built-in `starter`, `professional` and `enterprise`
   * (see `planPresets`). A plan name without a preset has no limits but the tenant's own.
   */
  plans?: Readonly<Record<string, Plan>>;
  /** The plan of a tenant created without one. Default `STRATA_DEFAULT_PLAN`, else `custom` (no limits until set). */
  defaultPlan?: string;
}

/** The PGlite data directory these options open, absolute; none for a server database or an in-memory store. */
export function embeddedDirectory(options: StrataOptions): string | undefined {
  if (options.database !== undefined || options.databaseUrl !== undefined) return undefined;
  if (options.inMemory === true || options.loadDataDir !== undefined) return undefined;
  return resolve(options.dataDir ?? '.strata');
}

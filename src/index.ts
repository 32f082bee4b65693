/**
 * Strata: a multi-tenant memory and knowledge store for AI applications.
 *
 * @example
 * import { createStrata } from 'strata';
 * const strata = await createStrata();
 * await strata.tenants.create({ id: 'acme' });
 * await strata.as({ tenantId: 'acme', userId: 'john' }).memories.create({ content: 'Prefers email' });
 */

export { type ApiKey, type ApiKeyKind, apiKeyKinds, parseApiKey } from './core/api-key.ts';
export { httpStatusByCode, isStrataError, StrataError, type StrataErrorCode } from './core/errors.ts';
export type { FilterOperators, FilterScalar, MetadataFilter } from './core/filter.ts';
export { type Identity, type Role, roles, type Scope, scopes } from './core/scope.ts';
export type * from './core/types.ts';
export { defaultPriceTable, estimateCost, type ModelPrice, type PriceTable } from './governance/prices.ts';
export type { WebhookDispatcherOptions } from './governance/webhook-dispatcher.ts';
export type { CreatedWebhook, Webhook, WebhookDelivery } from './governance/webhook-rows.ts';
export { verifyWebhookSignature } from './governance/webhook-signature.ts';
export { type WebhookEventType, type WebhookPayload, webhookEventTypes } from './governance/webhooks.ts';
export type { EmbeddingProvider, EmbedOptions } from './models/embedding-provider.ts';
export { createHashEmbedder, type HashEmbedderOptions } from './models/hash-embedder.ts';
export { createLLMFromEnvironment } from './models/llm-from-env.ts';
export type {
  ChatMessage,
  ChatOptions,
  ChatRequest,
  ChatResponseFormat,
  ChatResult,
  FinishReason,
  InvalidModelOutputReason,
  JsonOutputOptions,
  LLMProvider,
  TokenUsage,
  ToolCall,
} from './models/llm-provider.ts';
export { createOpenAIChatModel, type OpenAIChatModelOptions } from './models/openai-chat-model.ts';
export type { MaxTokensParameter } from './models/openai-chat-wire.ts';
export { createOpenAIEmbedder, type OpenAIEmbedderOptions } from './models/openai-embedder.ts';
export { splitLines, toJsonLine, toJsonLines } from './store/export-lines.ts';
export type { AuditApi, AuditBreak, AuditEvent, AuditQuery, AuditVerification } from './strata/audit-api.ts';
export type { CallerContext } from './strata/caller.ts';
export { createStrata, type Strata } from './strata/create-strata.ts';
export { optionsFromEnvironment } from './strata/env-options.ts';
export type {
  ExportApi,
  ExportHeader,
  ExportOptions,
  ExportProgress,
  ExportRecord,
  ExportRecordType,
  ImportOptions,
  ImportReport,
  ImportSource,
} from './strata/export-api.ts';
export type { CreateOptions } from './strata/idempotency.ts';
export type { AuthenticatedKey, CreateApiKeyInput, CreatedApiKey, KeysApi } from './strata/keys-api.ts';
export type { MaintenanceApi, ReembedReport } from './strata/maintenance-api.ts';
export type { MemoriesApi } from './strata/memories-api.ts';
export type { StrataOptions } from './strata/options.ts';
export type { SearchApi, SearchResult } from './strata/search-api.ts';
export type { CreateTenantInput, TenantDeletionReport, TenantsApi, UpdateTenantInput } from './strata/tenants-api.ts';
export type { UsageApi, UsageDay, UsageReport, UsageTotals } from './strata/usage-api.ts';
export type { UsersApi } from './strata/users-api.ts';
export type { CreateWebhookInput, WebhookPageQuery, WebhooksApi } from './strata/webhooks-api.ts';
export { createTelemetry, type TelemetryOptions } from './telemetry/telemetry.ts';
export type { OperationCall, Telemetry } from './telemetry/types.ts';

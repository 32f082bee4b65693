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
export { createStrata, type Strata } from './create-strata.ts';
export { optionsFromEnvironment } from './env-options.ts';
export type * from './features/agents/index.ts';
export type { AuditApi, AuditBreak, AuditEvent, AuditQuery, AuditVerification } from './features/audit/index.ts';
export type * from './features/collections/index.ts';
export type * from './features/conversations/index.ts';
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
} from './features/export/index.ts';
export { splitLines, toJsonLine, toJsonLines } from './features/export/index.ts';
export type { AuthenticatedKey, CreateApiKeyInput, CreatedApiKey, KeysApi } from './features/keys/index.ts';
export type * from './features/knowledge-bases/index.ts';
export type { MaintenanceApi, ReembedReport } from './features/maintenance/index.ts';
export type { CreateMemoryInput, ListMemoriesQuery, MemoriesApi, UpdateMemoryInput } from './features/memories/index.ts';
export type { ContextQuery, SearchApi, SearchQuery, SearchResult } from './features/search/index.ts';
export type { DocumentTypeStats, StatsApi, StatsQuery, TenantStats } from './features/stats/index.ts';
export type {
  CreateTenantInput,
  ExtractionPolicy,
  ExtractionSettings,
  ProviderKeyInput,
  ProviderKeyStatus,
  TenantDeletionReport,
  TenantsApi,
  UpdateTenantInput,
} from './features/tenants/index.ts';
export type { UsageApi, UsageDay, UsageReport, UsageTotals } from './features/usage/index.ts';
export type { UsersApi } from './features/users/index.ts';
export type * from './features/webhooks/index.ts';
export { verifyWebhookSignature } from './features/webhooks/index.ts';
export type { CallerContext } from './kernel/caller.ts';
export type { ModelChoices } from './kernel/deployment-models.ts';
export { type WebhookEventType, type WebhookPayload, webhookEventTypes } from './kernel/events.ts';
export type { CreateOptions } from './kernel/idempotency.ts';
export { defaultPriceTable, estimateCost, type ModelPrice, type PriceTable } from './kernel/prices.ts';
export type { EmbeddingProvider, EmbedOptions } from './models/embedding-provider.ts';
export { createHashEmbedder, type HashEmbedderOptions } from './models/hash-embedder.ts';
export { createLLMFromEnvironment, llmOptionsFromEnvironment } from './models/llm-from-env.ts';
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
export type { StrataOptions } from './options.ts';
export { createTelemetry, type TelemetryOptions } from './telemetry/telemetry.ts';
export type { ChatCall, ChatCallMessage, ChatOutcome, OperationCall, Telemetry } from './telemetry/types.ts';

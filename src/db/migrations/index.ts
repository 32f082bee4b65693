import { initialMigration } from './001-initial.ts';
import { serviceMigration } from './002-service.ts';
import { governanceMigration } from './003-governance.ts';
import { webhooksMigration } from './004-webhooks.ts';
import { webhookEgressMigration } from './005-webhook-egress.ts';
import { userCountMigration } from './006-user-count.ts';
import { idempotencyOwnerMigration } from './007-idempotency-owner.ts';
import { conversationsMigration } from './008-conversations.ts';
import { tenantProviderKeysMigration } from './009-tenant-provider-keys.ts';
import { llmTokensMigration } from './010-llm-tokens.ts';
import { knowledgeBasesMigration } from './011-knowledge-bases.ts';
import { collectionsMigration } from './012-collections.ts';

/** One schema change. Versions only ever grow; an applied migration is never edited. */
export interface Migration {
  version: number;
  name: string;
  sql: string;
}

/** Every migration, in order. */
export const migrations: readonly Migration[] = [
  { version: 1, name: 'initial', sql: initialMigration },
  { version: 2, name: 'service', sql: serviceMigration },
  { version: 3, name: 'governance', sql: governanceMigration },
  { version: 4, name: 'webhooks', sql: webhooksMigration },
  { version: 5, name: 'webhook-egress', sql: webhookEgressMigration },
  { version: 6, name: 'user-count', sql: userCountMigration },
  { version: 7, name: 'idempotency-owner', sql: idempotencyOwnerMigration },
  { version: 8, name: 'conversations', sql: conversationsMigration },
  { version: 9, name: 'tenant-provider-keys', sql: tenantProviderKeysMigration },
  { version: 10, name: 'llm-tokens', sql: llmTokensMigration },
  { version: 11, name: 'knowledge-bases', sql: knowledgeBasesMigration },
  { version: 12, name: 'collections', sql: collectionsMigration },
];

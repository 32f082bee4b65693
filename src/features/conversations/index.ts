import { defineFeature } from '../../kernel/feature-module.ts';
import { createConversationsApi } from './conversations-api.ts';
import { conversationsOperations } from './conversations-operations.ts';

// The conversations feature's public face: what other features, the composition root and the surfaces may import.
export type { AddedMessages, ConversationDeletion, ConversationsApi, TurnResult } from './conversations-api.ts';
export type {
  CreateConversationInput,
  DeleteConversationOptions,
  ListConversationsQuery,
  ListMessagesQuery,
  NewMessage,
  TurnInput,
  UpdateConversationInput,
} from './conversations-schemas.ts';

/** The conversations feature, for the registry. */
export const conversationsFeature = defineFeature({ operations: conversationsOperations, create: createConversationsApi });

import { defineFeature } from '../../kernel/feature-module.ts';
import { startWebhookDispatcher, type WebhookDispatcherOptions, webhookDispatchEnabled } from './webhook-dispatcher.ts';
import { createWebhookEgress } from './webhook-egress.ts';
import { createWebhooksApi } from './webhooks-api.ts';
import { webhooksOperations } from './webhooks-operations.ts';

// The webhooks feature's public face: what other features, the composition root and the surfaces may import.
export type { WebhookDispatcherOptions } from './webhook-dispatcher.ts';
export type { CreatedWebhook, Webhook, WebhookDelivery } from './webhook-rows.ts';
export { verifyWebhookSignature } from './webhook-signature.ts';
export type { CreateWebhookInput, WebhookPageQuery, WebhooksApi } from './webhooks-api.ts';

/** The webhooks feature, for the registry: its setup checks egress once and runs the dispatcher where enabled. */
export const webhooksFeature = defineFeature({
  operations: webhooksOperations,
  setup(engine, options) {
    const webhookOptions = options.webhooks as (WebhookDispatcherOptions & { dispatch?: boolean }) | undefined;
    if (webhookDispatchEnabled(webhookOptions)) {
      const dispatcher = startWebhookDispatcher(engine.database, webhookOptions);
      engine.onClose.push(() => dispatcher.stop());
    }
    return { egress: createWebhookEgress(webhookOptions) };
  },
  create: (engine, bound, state) => createWebhooksApi(engine, bound, state.egress),
});

// The webhooks feature's public face: what other features, the composition root and the surfaces may import.
export { startWebhookDispatcher, type WebhookDispatcherOptions, webhookDispatchEnabled } from './webhook-dispatcher.ts';
export { createWebhookEgress, type WebhookEgress } from './webhook-egress.ts';
export type { CreatedWebhook, Webhook, WebhookDelivery } from './webhook-rows.ts';
export { verifyWebhookSignature } from './webhook-signature.ts';
export { type CreateWebhookInput, createWebhooksApi, type WebhookPageQuery, type WebhooksApi } from './webhooks-api.ts';

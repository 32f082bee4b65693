import { z } from 'zod';
import { pageOf } from '../../core/entities.ts';
import { defineOperations } from '../../core/operation.ts';
import { body, idParam, query } from '../../core/operation-arguments.ts';
import { createWebhookSchema, webhookDeliverySchema, webhookPageSchema, webhookSchema } from './webhook-schemas.ts';

/** The webhooks operations. */
export const webhooksOperations = defineOperations('webhooks', 'webhooks', {
  create: {
    summary: 'Subscribe a URL to events (the signing secret is shown once)',
    http: { method: 'POST', path: '/v1/webhooks', args: [body], status: 201, body: createWebhookSchema },
    response: webhookSchema.extend({ secret: z.string() }),
    permission: 'webhooks.manage',
    feature: 'webhooks',
  },
  list: {
    summary: 'List webhooks (never secrets)',
    http: { method: 'GET', path: '/v1/webhooks', args: [query], status: 200, query: webhookPageSchema },
    response: pageOf(webhookSchema),
    permission: 'webhooks.manage',
  },
  get: {
    summary: 'Get a webhook',
    http: { method: 'GET', path: '/v1/webhooks/{id}', args: [idParam()], status: 200 },
    response: webhookSchema,
    permission: 'webhooks.manage',
  },
  delete: {
    summary: 'Delete a webhook and its delivery log',
    http: { method: 'DELETE', path: '/v1/webhooks/{id}', args: [idParam()], status: 200 },
    response: webhookSchema,
    permission: 'webhooks.manage',
  },
  deliveries: {
    summary: "A webhook's delivery log, newest first: status, attempts, last status code and error",
    http: { method: 'GET', path: '/v1/webhooks/{id}/deliveries', args: [idParam(), query], status: 200, query: webhookPageSchema },
    response: pageOf(webhookDeliverySchema),
    permission: 'webhooks.manage',
  },
  test: {
    summary: 'Queue a webhook.test event for this webhook',
    http: { method: 'POST', path: '/v1/webhooks/{id}/test', args: [idParam()], status: 201 },
    response: webhookDeliverySchema,
    permission: 'webhooks.manage',
    feature: 'webhooks',
  },
});

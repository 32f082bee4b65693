import { z } from 'zod';
import { pageOf } from '../../core/entities.ts';
import { defineOperations } from '../../core/operation.ts';
import { body, idParam, query, route } from '../../core/operation-arguments.ts';
import { createWebhookSchema, webhookDeliverySchema, webhookPageSchema, webhookSchema } from './webhook-schemas.ts';

/** The webhooks operations. */
export const webhooksOperations = defineOperations(
  'webhooks',
  'webhooks',
  { permission: 'webhooks.manage' },
  {
    create: {
      summary: 'Subscribe a URL to events (the signing secret is shown once)',
      http: route('POST', '/v1/webhooks', [body], { status: 201, body: createWebhookSchema }),
      response: webhookSchema.extend({ secret: z.string() }),
      feature: 'webhooks',
    },
    list: {
      summary: 'List webhooks (never secrets)',
      http: route('GET', '/v1/webhooks', [query], { query: webhookPageSchema }),
      response: pageOf(webhookSchema),
    },
    get: { summary: 'Get a webhook', http: route('GET', '/v1/webhooks/{id}', [idParam()]), response: webhookSchema },
    delete: {
      summary: 'Delete a webhook and its delivery log',
      http: route('DELETE', '/v1/webhooks/{id}', [idParam()]),
      response: webhookSchema,
    },
    deliveries: {
      summary: "A webhook's delivery log, newest first: status, attempts, last status code and error",
      http: route('GET', '/v1/webhooks/{id}/deliveries', [idParam(), query], { query: webhookPageSchema }),
      response: pageOf(webhookDeliverySchema),
    },
    test: {
      summary: 'Queue a webhook.test event for this webhook',
      http: route('POST', '/v1/webhooks/{id}/test', [idParam()], { status: 201 }),
      response: webhookDeliverySchema,
      feature: 'webhooks',
    },
  },
);

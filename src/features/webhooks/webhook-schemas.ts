import { z } from 'zod';
import { timestampSchema } from '../../core/entities.ts';
import { inputLimits } from '../../core/schemas.ts';
import { webhookEventTypes } from '../../kernel/events.ts';
import { deliveryFailureReasons } from './webhook-transport.ts';

const subscribable = webhookEventTypes.filter((type) => type !== 'webhook.test');

const webhookUrl = z
  .string()
  .max(2048)
  .refine((value) => {
    try {
      const url = new URL(value);
      return (url.protocol === 'http:' || url.protocol === 'https:') && url.username === '' && url.password === '';
    } catch {
      return false;
    }
  }, 'must be an http(s) URL without credentials');

const eventName = z.string().refine((value) => value === '*' || (subscribable as readonly string[]).includes(value), {
  message: `must be one of ${subscribable.join(', ')} or *`,
});

/** Input to `webhooks.create`. */
export const createWebhookSchema = z.strictObject({
  url: webhookUrl,
  events: z
    .array(eventName)
    .min(1, 'must name at least one event')
    .max(subscribable.length + 1),
  description: z.string().max(1000).optional(),
  secret: z
    .string()
    .min(16, 'must be at least 16 characters')
    .max(256)
    .regex(/^[\x21-\x7e]+$/, 'must be printable ASCII without spaces')
    .optional(),
});

/** Paging of `webhooks.list` and `webhooks.deliveries`. */
export const webhookPageSchema = z.strictObject({
  limit: z.number().int().min(1).max(inputLimits.listLimit).optional(),
  cursor: z.string().max(512).optional(),
});

export const webhookSchema = z.strictObject({
  id: z.uuid(),
  tenantId: z.string().nullable(),
  url: z.string(),
  events: z.array(z.string()),
  description: z.string().nullable(),
  active: z.boolean(),
  createdAt: timestampSchema,
});

export const webhookDeliverySchema = z.strictObject({
  id: z.uuid(),
  webhookId: z.uuid(),
  event: z.string(),
  eventId: z.uuid(),
  status: z.enum(['pending', 'delivered', 'failed']),
  attempts: z.number().int(),
  nextAttemptAt: timestampSchema,
  lastStatus: z.number().int().nullable(),
  lastError: z.enum(deliveryFailureReasons).nullable(),
  createdAt: timestampSchema,
  deliveredAt: timestampSchema.nullable(),
});

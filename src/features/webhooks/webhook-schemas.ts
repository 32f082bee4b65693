import { z } from 'zod';
import { inputLimits } from '../../core/schemas.ts';
import { webhookEventTypes } from '../../kernel/events.ts';

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

import type { CreatedWebhook, Webhook, WebhookDelivery } from '../index.ts';
import { compact, listOption, stringOption, UsageError } from './args.ts';
import { type CommandDefinition, pageQuery, showCommand } from './command.ts';
import { pageOptions } from './common-options.ts';
import { formatPage, formatRecord, formatTable, orDash, shortTime } from './output.ts';

const idArgument = [{ name: 'id', required: true }];

/** `strata webhooks ...`: the tenant's webhooks (--tenant), or platform-wide ones for the operator. */
export const webhooksCommands: CommandDefinition[] = [
  {
    path: ['webhooks', 'create'],
    arguments: [],
    summary: 'subscribe a URL to events; the signing secret is printed once',
    options: {
      // Not --url: that global option names the Strata service for remote mode.
      endpoint: { type: 'string', valueName: '<url>', description: 'the http(s) URL events are POSTed to' },
      events: { type: 'string', valueName: '<a,b>', description: 'event types, comma separated, or * for all' },
      description: { type: 'string', valueName: '<text>', description: 'a label to recognise the webhook by' },
      secret: { type: 'string', valueName: '<secret>', description: 'the signing secret (default: generated)' },
    },
    async run({ options, open }) {
      const url = stringOption(options, 'endpoint');
      const events = listOption(options, 'events');
      if (url === undefined) throw new UsageError('--endpoint: give the URL to send events to');
      if (events === undefined) throw new UsageError('--events: give the event types, comma separated, or *');
      const input = compact({ url, events, description: stringOption(options, 'description'), secret: stringOption(options, 'secret') });
      const created = await (await open()).webhooks.create(input);
      return { result: created, text: formatCreated(created) };
    },
  },
  {
    path: ['webhooks', 'list'],
    arguments: [],
    summary: "list the tenant's webhooks (--tenant), or the platform-wide ones",
    options: pageOptions,
    async run({ options, open }) {
      const query = pageQuery(options);
      const page = await (await open()).webhooks.list(query);
      const table = formatTable(
        ['ID', 'URL', 'EVENTS', 'DESCRIPTION', 'CREATED'],
        page.items.map((hook) => [hook.id, hook.url, hook.events.join(','), orDash(hook.description), shortTime(hook.createdAt)]),
      );
      return { result: page, text: formatPage('webhooks', table, page.items.length, page.nextCursor) };
    },
  },
  showCommand(['webhooks', 'get'], 'show one webhook (never its secret)', (strata, id) => strata.webhooks.get(id), formatWebhook),
  {
    path: ['webhooks', 'delete'],
    arguments: idArgument,
    summary: 'delete a webhook and its delivery log',
    options: {},
    async run({ arguments: [id = ''], open }) {
      const hook = await (await open()).webhooks.delete(id);
      return { result: hook, text: `deleted webhook ${hook.id} (${hook.url})` };
    },
  },
  {
    path: ['webhooks', 'deliveries'],
    arguments: idArgument,
    summary: "a webhook's delivery log, newest first",
    options: pageOptions,
    async run({ arguments: [id = ''], options, open }) {
      const query = pageQuery(options);
      const page = await (await open()).webhooks.deliveries(id, query);
      const table = formatTable(
        ['ID', 'EVENT', 'STATUS', 'ATTEMPTS', 'LAST STATUS', 'LAST ERROR', 'CREATED', 'DELIVERED'],
        page.items.map(deliveryRow),
      );
      return { result: page, text: formatPage('deliveries', table, page.items.length, page.nextCursor) };
    },
  },
  {
    path: ['webhooks', 'test'],
    arguments: idArgument,
    summary: 'queue a webhook.test event for this webhook',
    options: {},
    async run({ arguments: [id = ''], open }) {
      const delivery = await (await open()).webhooks.test(id);
      return { result: delivery, text: `queued webhook.test delivery ${delivery.id} for webhook ${delivery.webhookId}` };
    },
  },
];

function deliveryRow(delivery: WebhookDelivery): string[] {
  return [
    delivery.id,
    delivery.event,
    delivery.status,
    String(delivery.attempts),
    orDash(delivery.lastStatus),
    orDash(delivery.lastError),
    shortTime(delivery.createdAt),
    shortTime(delivery.deliveredAt),
  ];
}

function formatWebhook(hook: Webhook): string {
  return formatRecord([
    ['id', hook.id],
    ['tenant', orDash(hook.tenantId)],
    ['url', hook.url],
    ['events', hook.events.join(', ')],
    ['description', orDash(hook.description)],
    ['active', String(hook.active)],
    ['created', hook.createdAt],
  ]);
}

function formatCreated(created: CreatedWebhook): string {
  return `${formatWebhook(created)}\n\nsigning secret (shown once; verify the strata-webhook-signature header with it):\n\n    ${created.secret}`;
}

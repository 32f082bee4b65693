import type { LimitOverrides } from '../core/plans.ts';
import type { Json, Tenant, TenantDeletionReport } from '../index.ts';
import { compact, jsonObjectOption, nonEmptyPatch, stringOption } from './args.ts';
import { type CommandDefinition, pageQuery, showCommand } from './command.ts';
import { pageOptions } from './common-options.ts';
import { formatPage, formatRecord, formatTable, inlineJson, orDash, shortTime } from './output.ts';

const fieldOptions = {
  name: { type: 'string', valueName: '<name>', description: 'display name' },
  plan: { type: 'string', valueName: '<plan>', description: 'plan name, e.g. starter' },
  settings: { type: 'string', valueName: '<json>', description: 'settings object; on update, keys merge and null removes one' },
  limits: {
    type: 'string',
    valueName: '<json>',
    description: 'own limits over the plan\'s, e.g. {"memories":5000,"requestsPerSecond":"unlimited"}; on update null drops one',
  },
} as const;

/** `strata tenants ...`: tenant administration (operator, or a client admin with --client). */
export const tenantsCommands: CommandDefinition[] = [
  {
    path: ['tenants', 'create'],
    arguments: [{ name: 'id', required: true }],
    // The tenant belongs to the caller's client: --client app1 creates it under app1.
    summary: "create a tenant (a customer organisation) of the caller's --client application",
    options: fieldOptions,
    async run({ arguments: [id = ''], options, open }) {
      const input = compact({
        id,
        name: stringOption(options, 'name'),
        plan: stringOption(options, 'plan'),
        settings: jsonObjectOption<Record<string, Json>>(options, 'settings'),
        limits: jsonObjectOption<LimitOverrides>(options, 'limits'),
      });
      const tenant = await (await open()).tenants.create(input);
      return { result: tenant, text: formatTenant(tenant) };
    },
  },
  showCommand(['tenants', 'get'], 'show one tenant', (strata, id) => strata.tenants.get(id), formatTenant),
  {
    path: ['tenants', 'list'],
    arguments: [],
    summary: 'list tenants by id',
    options: pageOptions,
    async run({ options, open }) {
      const query = pageQuery(options);
      const page = await (await open()).tenants.list(query);
      const table = formatTable(
        ['ID', 'CLIENT', 'PLAN', 'STATUS', 'CREATED', 'NAME'],
        page.items.map((tenant) => [
          tenant.id,
          tenant.clientId,
          tenant.plan,
          tenant.status,
          shortTime(tenant.createdAt),
          orDash(tenant.name),
        ]),
      );
      return { result: page, text: formatPage('tenants', table, page.items.length, page.nextCursor) };
    },
  },
  {
    path: ['tenants', 'update'],
    arguments: [{ name: 'id', required: true }],
    summary: 'change name, plan, settings or status (suspend / resume)',
    options: {
      ...fieldOptions,
      status: { type: 'string', valueName: 'active|suspended', description: 'suspend or resume the tenant' },
    },
    async run({ arguments: [id = ''], options, open }) {
      const patch = nonEmptyPatch(
        compact({
          name: stringOption(options, 'name'),
          plan: stringOption(options, 'plan'),
          settings: jsonObjectOption<Record<string, Json>>(options, 'settings'),
          limits: jsonObjectOption<LimitOverrides>(options, 'limits'),
          status: stringOption(options, 'status') as 'active' | 'suspended' | undefined,
        }),
        'tenants update',
        ['name', 'plan', 'settings', 'limits', 'status'],
      );
      const tenant = await (await open()).tenants.update(id, patch);
      return { result: tenant, text: formatTenant(tenant) };
    },
  },
  ...['offboard', 'delete'].map(
    (verb): CommandDefinition => ({
      path: ['tenants', verb],
      arguments: [{ name: 'id', required: true }],
      summary: 'offboard a tenant: purge everything it owns, revoke its keys; prints rows deleted per table',
      options: {},
      async run({ arguments: [id = ''], open }) {
        const report = await (await open()).tenants.offboard(id);
        return { result: report, text: formatDeletion(report) };
      },
    }),
  ),
];

function formatTenant(tenant: Tenant): string {
  return formatRecord([
    ['id', tenant.id],
    ['client', tenant.clientId],
    ['name', orDash(tenant.name)],
    ['plan', tenant.plan],
    ['status', tenant.status],
    ['limits', formatLimits(tenant.limits)],
    [
      'features',
      Object.entries(tenant.features)
        .map(([name, on]) => `${name}=${on ? 'on' : 'off'}`)
        .join(' '),
    ],
    ['settings', inlineJson(tenant.settings)],
    ['created', tenant.createdAt],
    ['updated', tenant.updatedAt],
  ]);
}

function formatDeletion(report: TenantDeletionReport): string {
  const rows = Object.entries(report.deleted).map(([table, count]) => [table, String(count)]);
  return `offboarded tenant ${report.tenantId} (${report.keysRevoked} keys revoked)\n${formatTable(['TABLE', 'ROWS'], rows)}`;
}

/** `memories=10000 users=25 ...`; unlimited ones are left out. */
function formatLimits(limits: Tenant['limits']): string {
  const set = Object.entries(limits).filter(([, value]) => value !== null);
  return set.length === 0 ? 'unlimited' : set.map(([name, value]) => `${name}=${value}`).join(' ');
}

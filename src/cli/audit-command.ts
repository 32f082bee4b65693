import type { AuditVerification } from '../index.ts';
import { compact, integerOption, stringOption, UsageError } from './args.ts';
import type { CommandDefinition } from './command.ts';
import { pageOptions } from './common-options.ts';
import { formatPage, formatTable, orDash, truncate } from './output.ts';

const tenantOption = {
  tenant: {
    type: 'string',
    valueName: '<id>',
    description: "the tenant whose chain to read (default: the caller's, or the platform chain)",
  },
} as const;

/** `strata audit ...`: read and verify the hash-chained audit log. */
export const auditCommands: CommandDefinition[] = [
  {
    path: ['audit', 'list'],
    arguments: [],
    summary: 'audit entries, newest first, filtered by time, actor, action and outcome',
    options: {
      ...tenantOption,
      from: { type: 'string', valueName: '<date|time>', description: 'from this day (YYYY-MM-DD, UTC) or ISO time' },
      to: { type: 'string', valueName: '<date|time>', description: 'up to this day (whole day) or ISO time' },
      actor: { type: 'string', valueName: '<id>', description: 'a user id or API key id' },
      action: { type: 'string', valueName: '<name>', description: 'an action (memories.create) or a prefix (memories.)' },
      outcome: { type: 'string', valueName: '<ok|error>', description: 'only successes or only failures' },
      ...pageOptions,
    },
    async run({ options, open }) {
      const outcome = stringOption(options, 'outcome');
      if (outcome !== undefined && outcome !== 'ok' && outcome !== 'error') throw new UsageError('--outcome: must be ok or error');
      const query = compact({
        tenantId: stringOption(options, 'tenant'),
        from: stringOption(options, 'from'),
        to: stringOption(options, 'to'),
        actor: stringOption(options, 'actor'),
        action: stringOption(options, 'action'),
        outcome: outcome as 'ok' | 'error' | undefined,
        limit: integerOption(options, 'limit'),
        cursor: stringOption(options, 'cursor'),
      });
      const page = await (await open()).audit.list(query);
      const table = formatTable(
        ['SEQ', 'AT', 'ROLE', 'ACTOR', 'KEY', 'ACTION', 'OUTCOME', 'TARGETS'],
        page.items.map((entry) => [
          String(entry.seq),
          entry.at.replace('T', ' ').replace('Z', ''),
          entry.actorRole,
          orDash(entry.actorUser),
          orDash(entry.keyId?.slice(0, 8)),
          entry.action,
          entry.outcome === 'ok' ? 'ok' : `error (${entry.errorCode ?? '?'})`,
          truncate(entry.targetIds.join(' '), 40) || '-',
        ]),
      );
      return { result: page, text: formatPage('audit entries', table, page.items.length, page.nextCursor) };
    },
  },
  {
    path: ['audit', 'verify'],
    arguments: [],
    summary: 'verify an audit hash chain; exits 1 and names the first broken entry if it was tampered with',
    options: tenantOption,
    async run({ options, open }) {
      const verification = await (await open()).audit.verify(compact({ tenantId: stringOption(options, 'tenant') }));
      return { result: verification, text: formatVerification(verification), exitCode: verification.ok ? 0 : 1 };
    },
  },
];

function formatVerification(verification: AuditVerification): string {
  const chain = verification.chain === 'platform' ? 'the platform audit chain' : `the audit chain of tenant ${verification.chain}`;
  const broken = verification.firstBreak;
  if (broken === null) return `ok: ${chain} is intact (${verification.entries} entries, head at ${verification.headSeq})`;
  return [
    `BROKEN: ${chain} fails at entry ${broken.seq} (${broken.reason}): ${broken.detail}`,
    `${verification.entries} entries before it verified; the head records entry ${verification.headSeq}`,
  ].join('\n');
}

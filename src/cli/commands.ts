import { agentsCommands } from './agents-command.ts';
import { UsageError } from './args.ts';
import { auditCommands } from './audit-command.ts';
import { callCommands } from './call-command.ts';
import { collectionsCommands } from './collections-command.ts';
import type { CommandDefinition } from './command.ts';
import { conversationsCommands } from './conversations-command.ts';
import { exportCommands } from './export-command.ts';
import { keysCommands } from './keys-command.ts';
import { knowledgeBasesCommands } from './knowledge-bases-command.ts';
import { maintenanceCommands } from './maintenance-command.ts';
import { memoriesCommands } from './memories-command.ts';
import { searchCommands } from './search-command.ts';
import { serveCommands } from './serve-command.ts';
import { statusCommands } from './status-command.ts';
import { tenantsCommands } from './tenants-command.ts';
import { usageCommands } from './usage-command.ts';
import { usersCommands } from './users-command.ts';
import { webhooksCommands } from './webhooks-command.ts';

/** Every `strata` command, in the order help lists them. */
export const commands: readonly CommandDefinition[] = [
  ...statusCommands,
  ...serveCommands,
  ...tenantsCommands,
  ...usersCommands,
  ...keysCommands,
  ...memoriesCommands,
  ...searchCommands,
  ...conversationsCommands,
  ...knowledgeBasesCommands,
  ...agentsCommands,
  ...collectionsCommands,
  ...maintenanceCommands,
  ...exportCommands,
  ...usageCommands,
  ...auditCommands,
  ...webhooksCommands,
  ...callCommands,
];

/** What the leading words of a command line name. */
export type Resolution =
  | { kind: 'root' }
  | { kind: 'group'; group: string; members: CommandDefinition[] }
  | { kind: 'command'; command: CommandDefinition };

/**
 * Finds the command the first positionals name: no words is the root, a group word alone
 * (`memories`) is the group. Anything else is a usage error that points at the right help.
 */
export function resolveCommand(words: readonly string[]): Resolution {
  const [first, second] = words;
  if (first === undefined) return { kind: 'root' };
  const members = commands.filter((command) => command.path[0] === first);
  const single = members.find((command) => command.path.length === 1);
  if (single !== undefined) return { kind: 'command', command: single };
  if (members.length === 0) throw new UsageError(`unknown command '${first}'; run 'strata --help' for the list of commands`);
  if (second === undefined) return { kind: 'group', group: first, members };
  const command = members.find((candidate) => candidate.path[1] === second);
  if (command === undefined) {
    throw new UsageError(`unknown command '${first} ${second}'; run 'strata ${first} --help' for the list of commands`);
  }
  return { kind: 'command', command };
}

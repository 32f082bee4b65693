import { readFileSync } from 'node:fs';
import type { OptionSpecs } from './args.ts';
import type { CommandDefinition } from './command.ts';
import { commands } from './commands.ts';
import { globalOptions } from './common-options.ts';

/** The package version, read from package.json next to the sources. */
export function packageVersion(): string {
  const packageJson = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version?: string };
  return packageJson.version ?? 'unknown';
}

/** `strata --help`: every command and the global options. */
export function rootHelp(): string {
  return [
    `strata ${packageVersion()}: multi-tenant memory store`,
    '',
    'Usage: strata <command> [arguments] [options]',
    '',
    'Commands:',
    commandList(commands),
    '',
    'Global options:',
    optionList(globalOptions),
    '',
    "No --tenant/--user/--client/--role means the deployment operator. Run 'strata <command> --help' for its options.",
  ].join('\n');
}

/** `strata memories --help`: the commands of one group. */
export function groupHelp(group: string, members: readonly CommandDefinition[]): string {
  return [
    `Usage: strata ${group} <command> [arguments] [options]`,
    '',
    'Commands:',
    commandList(members),
    '',
    'Global options:',
    optionList(globalOptions),
  ].join('\n');
}

/** `strata memories add --help`: one command's arguments and options. */
export function commandHelp(command: CommandDefinition): string {
  const own = Object.keys(command.options);
  const inherited = Object.fromEntries(Object.entries(globalOptions).filter(([name]) => !own.includes(name)));
  const sections = [`Usage: strata ${signature(command)} [options]`, '', `${capitalise(command.summary)}.`];
  if (own.length > 0) sections.push('', 'Options:', optionList(command.options));
  sections.push('', 'Global options:', optionList(inherited));
  return sections.join('\n');
}

/** `memories add <text>`, `memories erase-user [userId]`. */
export function signature(command: CommandDefinition): string {
  const operands = command.arguments.map((argument) => (argument.required ? `<${argument.name}>` : `[${argument.name}]`));
  return [...command.path, ...operands].join(' ');
}

function commandList(list: readonly CommandDefinition[]): string {
  return aligned(list.map((command) => [signature(command), command.summary]));
}

function optionList(specs: OptionSpecs): string {
  return aligned(
    Object.entries(specs).map(([name, spec]) => {
      const flags = spec.short === undefined ? `--${name}` : `-${spec.short}, --${name}`;
      return [spec.valueName === undefined ? flags : `${flags} ${spec.valueName}`, spec.description];
    }),
  );
}

function aligned(rows: readonly (readonly [string, string])[]): string {
  const width = Math.max(...rows.map(([left]) => left.length));
  return rows.map(([left, right]) => `  ${left.padEnd(width)}  ${right}`).join('\n');
}

function capitalise(text: string): string {
  return text.charAt(0).toUpperCase() + text.slice(1);
}

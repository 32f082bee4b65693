import { isStrataError } from '../core/errors.ts';
import { heldByServerError, readServedBy } from '../db/served-by.ts';
import { embeddedDirectory, type StrataOptions } from '../options.ts';
import { type OptionSpecs, oneLine, parseArguments, UsageError } from './args.ts';
import type { CommandDefinition, CommandOutput } from './command.ts';
import { commands, resolveCommand } from './commands.ts';
import { globalOptions } from './common-options.ts';
import { commandHelp, groupHelp, packageVersion, rootHelp, signature } from './help.ts';
import type { CliIo } from './io.ts';
import { formatJson } from './output.ts';
import { callerContext, type OpenedStore, openRemote, openStore, type RemoteService, remoteService, storeOptions } from './store.ts';

/** Exit codes: a StrataError (or any failure at run time) is 1, a mistake on the command line 2. */
const exitCodes = { ok: 0, failure: 1, usage: 2 } as const;

// Every option any command knows: the first pass must skip option values to find the command words.
const allOptions: OptionSpecs = Object.assign({}, globalOptions, ...commands.map((command) => command.options));

/**
 * Runs one `strata` command line (without the `node` and script words) and returns the exit
 * code. Output goes to the injected streams, so tests call this in-process.
 *
 * @example
 * const code = await runCli(['--json', 'tenants', 'create', 'acme'], { stdout, stderr, env: {}, stdin });
 */
export async function runCli(argv: readonly string[], io: CliIo): Promise<number> {
  try {
    const first = parseArguments(argv, allOptions, { lenient: true });
    if (first.options.version === true && first.positionals.length === 0) {
      io.stdout.write(`${first.options.json === true ? formatJson({ version: packageVersion() }) : packageVersion()}\n`);
      return exitCodes.ok;
    }
    const resolution = resolveCommand(first.positionals);
    if (first.options.help === true) {
      const help =
        resolution.kind === 'root'
          ? rootHelp()
          : resolution.kind === 'group'
            ? groupHelp(resolution.group, resolution.members)
            : commandHelp(resolution.command);
      io.stdout.write(`${help}\n`);
      return exitCodes.ok;
    }
    if (resolution.kind === 'root') throw new UsageError("missing command; run 'strata --help' for the list of commands");
    if (resolution.kind === 'group') {
      const names = resolution.members.map((command) => command.path[1]).join(', ');
      throw new UsageError(`'${resolution.group}' needs a command (${names}); run 'strata ${resolution.group} --help'`);
    }
    return await runCommand(resolution.command, argv, io);
  } catch (error) {
    return reportError(error, io);
  }
}

async function runCommand(command: CommandDefinition, argv: readonly string[], io: CliIo): Promise<number> {
  const name = command.path.join(' ');
  const { options, positionals } = parseCommandLine(command, argv);
  const operands = positionals.slice(command.path.length);
  const required = command.arguments.filter((argument) => argument.required).length;
  if (operands.length > command.arguments.length)
    throw new UsageError(`${name}: unexpected argument '${operands[command.arguments.length]}'`);
  if (operands.length < required) {
    const missing = command.arguments[operands.length]?.name ?? 'argument';
    throw new UsageError(`${name}: missing <${missing}> (usage: strata ${signature(command)})`);
  }
  let opening: Promise<OpenedStore> | undefined;
  // Webhooks are delivered by `strata serve`; a one-shot command must not pick up deliveries it cannot finish.
  const local = {
    ...(name === 'serve' ? {} : { webhooks: { dispatch: false } }),
    ...storeOptions(options, io.env),
    ...command.storeOptions,
  };
  const remote = remoteService(options, io.env) ?? runningServer(command, local);
  const open = async () => {
    const context = callerContext(options, command.options);
    opening ??= remote === undefined ? openStore(local, context) : Promise.resolve(openRemote(remote, context));
    return (await opening).caller;
  };
  const openLocal = async () => {
    if (remote !== undefined) throw new UsageError(`${name}: runs on the store itself, not with --url`);
    opening ??= openStore(local, {});
    const { store } = await opening;
    if (store === undefined) throw new UsageError(`${name}: runs on the store itself, not with --url`);
    return store;
  };
  let output: CommandOutput;
  try {
    output = await command.run({ arguments: operands, options, io, open, openStore: openLocal, service: remote });
  } catch (error) {
    // The run's error is the one to report; a failing close must not hide it.
    await closeStore(opening).catch(() => undefined);
    throw error;
  }
  // Always closed before exit: a PGlite data directory stays locked while its store is open.
  await closeStore(opening);
  const text = options.json === true ? formatJson(output.result) : output.text;
  if (text !== '') io.stdout.write(`${text}\n`);
  return output.exitCode ?? exitCodes.ok;
}

/**
 * The `strata serve` holding the embedded data directory this command would open, as the
 * service to send it to. A command that must run on the store itself (`serve`, one opening the
 * store on other settings such as `re-embed`) is refused, naming the server to stop.
 */
function runningServer(command: CommandDefinition, local: StrataOptions): RemoteService | undefined {
  const directory = embeddedDirectory(local);
  const served = directory === undefined ? undefined : readServedBy(directory);
  if (directory === undefined || served === undefined) return undefined;
  const name = command.path.join(' ');
  if (name === 'serve' || command.storeOptions !== undefined) {
    throw heldByServerError(directory, served, `stop it first, '${name}' runs on the store itself`);
  }
  return { baseUrl: served.url, apiKey: served.apiKey, servedBy: served.pid };
}

function parseCommandLine(command: CommandDefinition, argv: readonly string[]) {
  try {
    return parseArguments(argv, { ...globalOptions, ...command.options });
  } catch (error) {
    // Say which command refused the option: it may be valid for another one.
    if (error instanceof UsageError) throw new UsageError(`${command.path.join(' ')}: ${error.message}`);
    throw error;
  }
}

async function closeStore(opening: Promise<OpenedStore> | undefined): Promise<void> {
  if (opening === undefined) return;
  // A store that failed to open has nothing to close (createStrata cleans up after itself).
  const opened = await opening.catch(() => undefined);
  await opened?.store?.close();
}

function reportError(error: unknown, io: CliIo): number {
  if (error instanceof UsageError) {
    io.stderr.write(`strata: ${oneLine(error.message)}\n`);
    return exitCodes.usage;
  }
  if (isStrataError(error)) {
    io.stderr.write(`strata: ${error.code}: ${oneLine(error.message)}\n`);
    return exitCodes.failure;
  }
  io.stderr.write(`strata: ${oneLine(error instanceof Error ? error.message : String(error))}\n`);
  return exitCodes.failure;
}

/** The `strata` executable: runs `process.argv` against the real process streams. */
export async function main(argv: readonly string[] = process.argv): Promise<void> {
  // A reader that stops early (`strata memories list | head`) is not a failure worth a stack trace.
  process.stdout.on('error', (error: NodeJS.ErrnoException) => {
    if (error.code !== 'EPIPE') throw error;
  });
  process.exitCode = await runCli(argv.slice(2), {
    stdout: process.stdout,
    stderr: process.stderr,
    env: process.env,
    // Touch process.stdin only when a command reads it: an open stdin handle can keep the process alive.
    stdin: { [Symbol.asyncIterator]: () => process.stdin[Symbol.asyncIterator]() },
  });
}

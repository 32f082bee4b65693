import type { StrataClient } from '../client/create-client.ts';
import type { Strata, StrataOptions } from '../index.ts';
import { compact, integerOption, type OptionSpecs, type OptionValues, stringOption } from './args.ts';
import type { CliIo } from './io.ts';
import type { RemoteService } from './store.ts';

/** What a command works on: the embedded store, or a client of a remote service (no `info`). */
export type StrataHandle = StrataClient & { info?: Strata['info'] };

/** A positional argument of a command, for validation and help. */
export interface ArgumentSpec {
  name: string;
  required: boolean;
}

/** What a command hands back: the library's result for `--json`, and its human rendering. */
export interface CommandOutput {
  result: unknown;
  /** Printed as-is (a trailing newline is added); empty prints nothing. */
  text: string;
  /** The process exit code when not 0, e.g. 1 for a check that failed (`audit verify`). */
  exitCode?: number;
}

/** One invocation of a command, after its arguments were parsed and checked. */
export interface Invocation {
  /** Positional arguments after the command words, one per {@link ArgumentSpec}. */
  arguments: readonly string[];
  options: OptionValues;
  io: CliIo;
  /**
   * Opens the store (or, with `--url`, a client of the remote service), bound to the caller the
   * global options name. Commands parse their input first so a usage error never waits for the
   * database; the runner closes what was opened.
   */
  open(): Promise<StrataHandle>;
  /** The embedded store itself, unbound (`serve`); a usage error with `--url`. */
  openStore(): Promise<Strata>;
  /** The service commands go to: `--url`, or the `strata serve` holding the data directory; none for the store itself. */
  service: RemoteService | undefined;
}

/** A `strata` command such as `memories add`. */
export interface CommandDefinition {
  /** The words that name it: `['memories', 'add']`, `['search']`. */
  path: readonly string[];
  arguments: readonly ArgumentSpec[];
  /** One line for the command list and help. */
  summary: string;
  /** Its own options; one that shares a global option's name replaces it for this command. */
  options: OptionSpecs;
  /** Store options beyond the defaults (re-embed must open a store on another model). */
  storeOptions?: Partial<StrataOptions>;
  run(invocation: Invocation): Promise<CommandOutput>;
}

/**
 * `strata <group> <verb> <id>`: one record by id, printed with `format` (the JSON result with
 * `--json`). Most groups' `get`, and any other single-id read.
 */
export function showCommand<T>(
  path: readonly [string, string],
  summary: string,
  read: (handle: StrataHandle, id: string) => Promise<T>,
  format: (record: T) => string,
): CommandDefinition {
  return {
    path,
    arguments: [{ name: 'id', required: true }],
    summary,
    options: {},
    async run({ arguments: [id = ''], open }) {
      const record = await read(await open(), id);
      return { result: record, text: format(record) };
    },
  };
}

/** The `--limit` and `--cursor` of a listing, as its page query. */
export function pageQuery(options: OptionValues): { limit?: number; cursor?: string } {
  return compact({ limit: integerOption(options, 'limit'), cursor: stringOption(options, 'cursor') });
}

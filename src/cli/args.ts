/**
 * A mistake in how the command line was written (unknown option, missing argument, bad JSON).
 * Exits 2, unlike a StrataError from the store, which exits 1.
 */
export class UsageError extends Error {
  override readonly name = 'UsageError';
}

/** One option a command accepts. Value-taking options are strings; the rest are flags. */
export interface OptionSpec {
  type: 'string' | 'boolean';
  /** One-letter alias, without the dash (`h` for `-h`). */
  short?: string;
  /** Placeholder shown in help, e.g. `<json>`. */
  valueName?: string;
  /** One line for the help text. */
  description: string;
}

/** Options by long name (without the leading dashes). */
export type OptionSpecs = Readonly<Record<string, OptionSpec>>;

/** The values given on the command line: strings for value options, `true` for flags. */
export type OptionValues = Readonly<Record<string, string | boolean | undefined>>;

/** A parsed command line. */
export interface ParsedArguments {
  options: OptionValues;
  positionals: string[];
}

/**
 * Splits `argv` into options and positionals. Accepts `--name value`, `--name=value`, short
 * aliases, `-` as a positional (stdin) and `--` to end options. With `lenient`, unknown options
 * are taken as flags instead of failing: the first pass only needs to find the command words.
 */
export function parseArguments(argv: readonly string[], specs: OptionSpecs, options: { lenient?: boolean } = {}): ParsedArguments {
  const values: Record<string, string | boolean> = {};
  const positionals: string[] = [];
  const longNames = new Map<string, string>();
  for (const [name, spec] of Object.entries(specs)) {
    longNames.set(`--${name}`, name);
    if (spec.short !== undefined) longNames.set(`-${spec.short}`, name);
  }
  for (let index = 0; index < argv.length; index += 1) {
    const token = argv[index] ?? '';
    if (token === '--') {
      positionals.push(...argv.slice(index + 1));
      break;
    }
    if (token === '-' || !token.startsWith('-')) {
      positionals.push(token);
      continue;
    }
    const equals = token.indexOf('=');
    const flag = equals < 0 ? token : token.slice(0, equals);
    const inline = equals < 0 ? undefined : token.slice(equals + 1);
    const name = longNames.get(flag);
    const spec = name === undefined ? undefined : specs[name];
    if (name === undefined || spec === undefined) {
      if (options.lenient === true) continue;
      throw new UsageError(`unknown option ${flag}`);
    }
    if (spec.type === 'boolean') {
      if (inline !== undefined) throw new UsageError(`${flag} takes no value`);
      values[name] = true;
      continue;
    }
    const value = inline ?? argv[index + 1];
    if (inline === undefined) index += 1;
    if (value === undefined) throw new UsageError(`${flag} needs a value`);
    values[name] = value;
  }
  return { options: values, positionals };
}

/** A string option's value, or undefined when it was not given. */
export function stringOption(options: OptionValues, name: string): string | undefined {
  const value = options[name];
  return typeof value === 'string' ? value : undefined;
}

/** An integer option; anything but an optional sign and digits is a usage error naming it. */
export function integerOption(options: OptionValues, name: string): number | undefined {
  const value = stringOption(options, name);
  if (value === undefined) return undefined;
  // Range checks (positive, at most N) belong to the library, which names the field.
  if (!/^[-+]?\d{1,15}$/.test(value)) throw new UsageError(`--${name}: must be a whole number, got ${JSON.stringify(value)}`);
  return Number(value);
}

/**
 * A JSON object option (`--metadata`, `--filter`, `--settings`); bad JSON, or JSON that is not
 * an object, is a usage error naming the option.
 */
export function jsonObjectOption<T extends object>(options: OptionValues, name: string): T | undefined {
  const value = stringOption(options, name);
  if (value === undefined) return undefined;
  const parsed = parseJsonText(value, `--${name}`);
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) throw new UsageError(`--${name}: must be a JSON object`);
  // Only the outer shape is checked here: the library validates the rest and names the offending key.
  return parsed as T;
}

/** JSON text given on the command line; bad JSON is a usage error naming `label` (an option or argument). */
export function parseJsonText(text: string, label: string): unknown {
  try {
    return JSON.parse(text);
  } catch (error) {
    throw new UsageError(`${label}: not valid JSON (${oneLine(error instanceof Error ? error.message : String(error))})`);
  }
}

/** A comma-separated list option (`--scopes user,customer`). */
export function listOption(options: OptionValues, name: string): string[] | undefined {
  const value = stringOption(options, name);
  if (value === undefined) return undefined;
  return value
    .split(',')
    .map((item) => item.trim())
    .filter((item) => item.length > 0);
}

/**
 * Drops keys whose value is undefined. Update patches must only carry the fields the user
 * gave: the library counts keys to reject an empty patch.
 */
export function compact<T extends object>(value: T): T {
  return Object.fromEntries(Object.entries(value).filter(([, entry]) => entry !== undefined)) as T;
}

/** Collapses line breaks so every error stays on one line. */
export function oneLine(text: string): string {
  return text.replace(/\s*\n\s*/g, ' ').trim();
}

/** An update with nothing to change is a usage mistake: say which options would change something. */
export function nonEmptyPatch<T extends object>(patch: T, command: string, options: readonly string[]): T {
  if (Object.keys(patch).length === 0)
    throw new UsageError(`${command}: give at least one of ${options.map((name) => `--${name}`).join(', ')}`);
  return patch;
}

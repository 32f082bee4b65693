/** A stream the CLI writes to; `process.stdout` and a test's string collector both fit. */
export interface TextSink {
  write(chunk: string): unknown;
}

/** Everything the CLI touches outside its arguments, injected so tests can run it in-process. */
export interface CliIo {
  stdout: TextSink;
  stderr: TextSink;
  /** Environment variables (`STRATA_*`, `DATABASE_URL`). */
  env: Readonly<Record<string, string | undefined>>;
  /** Read only when a text argument is `-`. */
  stdin: AsyncIterable<string | Uint8Array>;
}

/** Reads all of stdin as UTF-8, without the trailing line break `echo` and editors add. */
export async function readStdin(stdin: CliIo['stdin']): Promise<string> {
  const decoder = new TextDecoder();
  let text = '';
  for await (const chunk of stdin) text += typeof chunk === 'string' ? chunk : decoder.decode(chunk, { stream: true });
  text += decoder.decode();
  return text.replace(/\r?\n$/, '');
}

/** A text argument: `-` means "read it from stdin". */
export async function textArgument(value: string, io: CliIo): Promise<string> {
  return value === '-' ? readStdin(io.stdin) : value;
}

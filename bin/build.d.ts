/** Whether this checkout's dist/ is missing or older than its sources. */
export function needsBuild(): boolean;
/** Compiles src/ to dist/ and stamps it. */
export function build(): void;

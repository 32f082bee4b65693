// Compiles src/ to dist/ (JavaScript, declarations, source maps) with the TypeScript compiler,
// incrementally, and stamps dist/.built. Run by `npm run build`, by `npm install` (prepare), by
// the test setup, and by bin/strata.js when a checkout's sources are newer than the stamp.
import { execFileSync } from 'node:child_process';
import { readdirSync, statSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const stamp = join(root, 'dist', '.built');

/** The newest modification time of the compiled sources (tests excluded), in ms. */
function newestSource(directory) {
  let newest = 0;
  for (const entry of readdirSync(directory, { withFileTypes: true })) {
    const path = join(directory, entry.name);
    if (entry.isDirectory()) newest = Math.max(newest, newestSource(path));
    else if (entry.name.endsWith('.ts') && !entry.name.endsWith('.test.ts')) newest = Math.max(newest, statSync(path).mtimeMs);
  }
  return newest;
}

/** Whether this is a checkout whose dist/ is missing or older than its sources (never for an installed package: it has no src/). */
export function needsBuild() {
  let sources;
  try {
    sources = newestSource(join(root, 'src'));
  } catch {
    return false;
  }
  try {
    return statSync(stamp).mtimeMs < Math.max(sources, statSync(join(root, 'tsconfig.build.json')).mtimeMs);
  } catch {
    return true;
  }
}

export function build() {
  const tsc = createRequire(import.meta.url).resolve('typescript/bin/tsc');
  execFileSync(process.execPath, [tsc, '-p', join(root, 'tsconfig.build.json')], { stdio: ['ignore', 'inherit', 'inherit'] });
  writeFileSync(stamp, `${new Date().toISOString()}\n`);
}

if (process.argv[1] !== undefined && fileURLToPath(import.meta.url) === process.argv[1]) build();

#!/usr/bin/env node
// The CLI runs the compiled package (dist/). In a checkout whose sources changed since the last
// build, it rebuilds first (incrementally; a few seconds), so `node bin/strata.js` never runs stale code.
import { build, needsBuild } from './build.js';

if (needsBuild()) {
  process.stderr.write('strata: sources changed since the last build: compiling src/ to dist/ first\n');
  build();
}
const { main } = await import('../dist/cli/main.js');
await main(process.argv);

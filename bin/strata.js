#!/usr/bin/env node
// The sources are TypeScript run by tsx; registering its loader first lets the CLI import them directly.
import { register } from 'tsx/esm/api';

register();
const { main } = await import('../src/cli/main.ts');
await main(process.argv);

import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TestProject } from 'vitest/node';
import { build, needsBuild } from '../../bin/build.js';
import { migrate } from '../../src/db/migrate.ts';
import { openPgliteDatabase } from '../../src/db/pglite-database.ts';

/**
 * Compiles dist/ when the sources changed (the tests that start `bin/strata.js` run it), then
 * builds a migrated PGlite database once and hands its dump to every test file: loading a
 * dump takes a fraction of a second, initialising a fresh PGlite several seconds.
 */
export default async function setup(project: TestProject): Promise<void> {
  if (needsBuild()) build();
  const database = await openPgliteDatabase({ appRole: 'strata_app', statementTimeoutMs: 30_000 });
  await migrate(database, 'strata_app');
  const dump = await (database as unknown as { pglite: { dumpDataDir(compression: 'none'): Promise<Blob> } }).pglite.dumpDataDir('none');
  await database.close();
  const path = join(mkdtempSync(join(tmpdir(), 'strata-fixture-')), 'migrated.tar');
  writeFileSync(path, Buffer.from(await dump.arrayBuffer()));
  project.provide('pgliteFixture', path);
}

declare module 'vitest' {
  export interface ProvidedContext {
    pgliteFixture: string;
  }
}

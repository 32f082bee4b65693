import { execFile } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, renameSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';

const run = promisify(execFile);
const repository = resolve(import.meta.dirname, '..');
const scratch = mkdtempSync(join(tmpdir(), 'strata-package-'));
const project = join(scratch, 'project');

afterAll(() => rmSync(scratch, { recursive: true, force: true }));

/**
 * The package as a user gets it: `npm pack`, installed from the tarball into a project outside
 * this repository, used under plain `node` with no TypeScript loader anywhere in that project.
 */
describe('the packed package', () => {
  it('installs from its tarball and runs under plain node: library, client, server and the strata bin', async () => {
    // The test setup has just built dist/; --ignore-scripts keeps pack from building it again.
    const packed = await run('npm', ['pack', '--ignore-scripts', '--json', '--pack-destination', scratch], { cwd: repository });
    const [{ filename, files }] = JSON.parse(packed.stdout) as [{ filename: string; files: { path: string }[] }];
    const paths = files.map((file) => file.path);
    expect(paths).toContain('dist/index.js');
    expect(paths).toContain('dist/index.d.ts');
    expect(paths).toContain('bin/strata.js');
    expect(paths.filter((path) => path.startsWith('src/') || path.startsWith('test/'))).toEqual([]);

    // Laid out the way `npm install <tarball>` does it (the package extracted into node_modules,
    // its bin linked), with its dependencies linked from this checkout: tests reach no registry.
    const modules = join(project, 'node_modules');
    mkdirSync(join(modules, '.bin'), { recursive: true });
    writeFileSync(join(project, 'package.json'), `${JSON.stringify({ name: 'uses-strata', private: true, type: 'module' })}\n`);
    await run('tar', ['-xzf', join(scratch, filename), '-C', scratch]);
    renameSync(join(scratch, 'package'), join(modules, 'strata'));
    const manifest = JSON.parse(readFileSync(join(modules, 'strata', 'package.json'), 'utf8')) as {
      dependencies: Record<string, string>;
      devDependencies: Record<string, string>;
      bin: Record<string, string>;
    };
    expect(Object.keys(manifest.dependencies)).not.toContain('tsx');
    expect(Object.keys(manifest.devDependencies)).toContain('tsx');
    for (const dependency of Object.keys(manifest.dependencies)) {
      mkdirSync(dirname(join(modules, dependency)), { recursive: true });
      symlinkSync(join(repository, 'node_modules', dependency), join(modules, dependency));
    }
    symlinkSync(join('..', 'strata', manifest.bin.strata ?? ''), join(modules, '.bin', 'strata'));
    const env = { ...process.env };

    writeFileSync(
      join(project, 'round-trip.mjs'),
      [
        "import { createStrata } from 'strata';",
        "import { createStrataClient } from 'strata/client';",
        "import { createServer } from 'strata/server';",
        'const strata = await createStrata({ inMemory: true });',
        "await strata.tenants.create({ id: 'acme' });",
        "const john = strata.as({ tenantId: 'acme', userId: 'john' });",
        "await john.memories.create({ content: 'Prefers window seats on long flights' });",
        "const { hits } = await john.search({ query: 'window seat', limit: 1 });",
        'console.log(JSON.stringify({ content: hits[0]?.content, client: typeof createStrataClient, server: typeof createServer }));',
        'await strata.close();',
      ].join('\n'),
    );
    const roundTrip = await run(process.execPath, ['round-trip.mjs'], { cwd: project, env, timeout: 120_000 });
    expect(JSON.parse(roundTrip.stdout)).toEqual({
      content: 'Prefers window seats on long flights',
      client: 'function',
      server: 'function',
    });

    const version = await run(join(project, 'node_modules', '.bin', 'strata'), ['--version'], { cwd: project, env });
    expect(version.stdout.trim()).toMatch(/^\d+\.\d+\.\d+$/);
    const status = await run(join(project, 'node_modules', '.bin', 'strata'), ['--json', 'status'], {
      cwd: project,
      env: { ...env, STRATA_DATA_DIR: join(project, '.strata') },
      timeout: 120_000,
    });
    expect(JSON.parse(status.stdout)).toMatchObject({ backend: 'pglite' });
  }, 600_000);
});

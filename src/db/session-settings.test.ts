import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { expect, it } from 'vitest';

const source = join(import.meta.dirname, '..');

function typeScriptFiles(directory: string): string[] {
  return readdirSync(directory, { withFileTypes: true }).flatMap((entry) => {
    const path = join(directory, entry.name);
    if (entry.isDirectory()) return typeScriptFiles(path);
    return entry.name.endsWith('.ts') && !entry.name.endsWith('.test.ts') ? [path] : [];
  });
}

it("sets the strata.* session settings in one module only (the migrations' SQL functions aside)", () => {
  const setters = typeScriptFiles(source)
    .filter((path) => /set_config\(\s*['"`]?strata\.|['"]strata\.[a-z_]+['"],\s*settings\./.test(readFileSync(path, 'utf8')))
    .map((path) => relative(source, path));
  expect(setters.filter((path) => !path.startsWith('db/migrations/')).sort()).toEqual(['db/session-settings.ts']);
});

import { existsSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { httpOperations as operations } from '../../src/api/registry.ts';
import { httpStatusByCode } from '../../src/index.ts';
import { chromiumPath, launchChromium } from '../support/chromium.ts';
import { startTestServer, type TestServer } from '../support/http-server.ts';
import { storeTargets } from '../support/stores.ts';
import { send } from './http-helpers.ts';

// The /docs page in a real browser: it renders /openapi.json with its own script and must
// reach no host but the service's. It drives Debian's Chromium at /usr/bin/chromium through
// playwright-core (no browser download).
// The page involves no storage, so it runs on PGlite only.

// CI installs Chromium (.ci/run); a CI run without it fails instead of skipping.
const skipReason = existsSync(chromiumPath) ? undefined : `no Chromium at ${chromiumPath} (apt-get install chromium)`;
if (skipReason !== undefined) {
  if (process.env.CI === 'true') throw new Error(`/docs browser test cannot run: ${skipReason}`);
  console.warn(`\n!!! /docs browser test SKIPPED: ${skipReason} !!!\n`);
}

describe('/docs page', () => {
  let server: TestServer;
  const target = storeTargets[0];

  beforeAll(async () => {
    if (target === undefined) throw new Error('no store target');
    server = await startTestServer(target);
  });

  afterAll(() => server?.close());

  it('is one self-contained HTML page with the error code table and no reference to another host', async () => {
    const response = await send<string>(server.url, { path: '/docs' });
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toMatch(/^text\/html/);
    const html = response.body;
    for (const code of Object.keys(httpStatusByCode)) expect(html).toContain(`id="error-${code}"`);
    expect(html).toContain("fetch('openapi.json')");
    const references = [...html.matchAll(/\b(?:src|href)\s*=\s*["']([^"']+)["']/g)].map((match) => match[1]);
    expect(references.filter((reference) => /^(?:[a-z]+:)?\/\//i.test(reference ?? ''))).toEqual([]);
    expect(html).not.toMatch(/@import|url\(\s*["']?(?:[a-z]+:)?\/\//i);
  });

  it.skipIf(skipReason !== undefined)(
    `renders every operation in Chromium and makes no request to another host${skipReason === undefined ? '' : ` (skipped: ${skipReason})`}`,
    async () => {
      const browser = await launchChromium();
      try {
        const page = await browser.newPage();
        const requested: string[] = [];
        const pageErrors: string[] = [];
        page.on('request', (request) => requested.push(request.url()));
        page.on('pageerror', (error) => pageErrors.push(error.message));
        await page.goto(`${server.url}/docs`, { waitUntil: 'load' });
        await page.waitForSelector('[id="memories.create"]', { timeout: 15_000, state: 'attached' });
        await page.waitForSelector('#error-not_found', { state: 'attached' });
        await page.waitForLoadState('networkidle');
        const rendered = await page.evaluate<string[]>(
          "[...document.querySelectorAll('#operations section.op')].map((section) => section.id)",
        );
        // Every operation, plus the streaming tenant export and import.
        expect([...rendered].sort()).toEqual([...operations.map((operation) => operation.name), 'exports.export', 'exports.import'].sort());
        const errorRow = await page.evaluate<string>("document.getElementById('error-not_found')?.textContent ?? ''");
        expect(errorRow).toContain('not_found');
        expect(errorRow).toContain('404');
        expect(await page.evaluate<string>("document.getElementById('operations').textContent")).not.toContain('Could not load');
        expect(pageErrors).toEqual([]);

        expect(requested.some((url) => url.endsWith('/openapi.json'))).toBe(true);
        const foreign = requested.filter((url) => {
          const parsed = new URL(url);
          return parsed.protocol !== 'data:' && parsed.hostname !== '127.0.0.1';
        });
        expect(foreign).toEqual([]);
      } finally {
        await browser.close();
      }
    },
  );
});

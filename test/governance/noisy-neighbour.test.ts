import { afterAll, beforeAll, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '../support/http-server.ts';
import { describeEachStore } from '../support/stores.ts';

describeEachStore('noisy neighbour over HTTP', (target) => {
  let server: TestServer;
  let floodKey: string;
  let quietKey: string;
  beforeAll(async () => {
    server = await startTestServer(target);
    const operator = server.strata.as({ role: 'platform' });
    await operator.tenants.create({ id: 'flood', plan: 'starter', limits: { requestsPerSecond: 5, burst: 5, concurrentRequests: 2 } });
    await operator.tenants.create({ id: 'quiet', plan: 'starter' });
    floodKey = (await operator.keys.create({ role: 'admin', tenantId: 'flood' })).secret;
    quietKey = (await operator.keys.create({ role: 'admin', tenantId: 'quiet' })).secret;
    await server.strata.as({ tenantId: 'quiet' }).memories.create({ content: 'the quiet tenant keeps working', scope: 'customer' });
  });
  afterAll(() => server.close());

  const search = (key: string, query: string) =>
    fetch(`${server.url}/v1/search`, {
      method: 'POST',
      headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
      body: JSON.stringify({ query }),
    });

  it("answers a flooding tenant with 429 and Retry-After while another tenant's requests all succeed", async () => {
    // The flood may send 5 a second (burst 5), 2 at a time; it sends 300 requests, 60 at a time.
    const statuses: number[] = [];
    const retryAfter: string[] = [];
    let next = 0;
    const flooder = async () => {
      while (next < 300) {
        next += 1;
        const response = await search(floodKey, 'flooding');
        statuses.push(response.status);
        if (response.status === 429) retryAfter.push(response.headers.get('retry-after') ?? '');
        await response.arrayBuffer();
      }
    };
    const flood = Promise.all(Array.from({ length: 60 }, flooder));
    const quiet: number[] = [];
    for (let index = 0; index < 15; index += 1) {
      const response = await search(quietKey, 'working');
      quiet.push(response.status);
      const body = (await response.json()) as { hits?: Array<{ content: string }> };
      if (response.status === 200) expect(body.hits?.[0]?.content).toBe('the quiet tenant keeps working');
    }
    await flood;
    expect(quiet).toEqual(Array(15).fill(200));
    // At most 5 + 5 a second get through: unless the flood took over 40 s, more than 100 were refused.
    expect(statuses.filter((status) => status === 429).length).toBeGreaterThan(100);
    expect(statuses.every((status) => status === 200 || status === 429)).toBe(true);
    expect(retryAfter.every((value) => /^[1-9][0-9]*$/.test(value))).toBe(true);
  });
});

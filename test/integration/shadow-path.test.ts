// The background path: what the candidate receives, when it is not called, and that the client
// never waits for it.
import { Readable } from 'node:stream';
import { json, TestUpstream } from '../helpers/upstream';
import { call, eventually, exchangeCollector, startProxy, type TestProxy, type TestProxyOptions } from '../helpers/proxy';

describe('shadow path', () => {
  let reference: TestUpstream;
  let candidate: TestUpstream;
  let proxy: TestProxy | undefined;
  let collector: ReturnType<typeof exchangeCollector>;

  const startWith = async (extra = '', routes?: string, options: TestProxyOptions = {}) => {
    proxy = await startProxy(
      `
[upstreams]
reference = "${reference.url}"
candidate = "${candidate.url}"
${extra}
${routes ?? `[[routes]]
name = "items"
path = "/items/{id}"
[[routes]]
name = "orders"
path = "/orders"
  [routes.shadow]
  methods = ["GET", "POST"]`}
`,
      { onExchange: collector.handler, ...options },
    );
    return proxy;
  };

  beforeEach(async () => {
    reference = await TestUpstream.start(json({ from: 'reference' }));
    candidate = await TestUpstream.start(json({ from: 'candidate' }));
    collector = exchangeCollector();
  });

  afterEach(async () => {
    await proxy?.shutdown();
    proxy = undefined;
    await Promise.all([reference.close(), candidate.close()]);
  });

  it('sends the candidate the same request with the candidate role, and hands the pair to the seam', async () => {
    const p = await startWith();
    const body = JSON.stringify({ sku: 'A-1', qty: 2 });
    const res = await call(`${p.proxyUrl}/orders?src=test`, { method: 'POST', headers: { 'content-type': 'application/json', 'x-user-id': 'u1' }, body });
    expect(JSON.parse(res.body.toString())).toEqual({ from: 'reference' });

    const [seenByCandidate] = await candidate.received(1);
    const [seenByReference] = await reference.received(1);
    expect(seenByReference!.headers['x-shadow-test-role']).toBe('reference');
    expect(seenByCandidate!.headers['x-shadow-test-role']).toBe('candidate');
    expect(seenByCandidate!.method).toBe('POST');
    expect(seenByCandidate!.url).toBe('/orders?src=test');
    expect(seenByCandidate!.body.toString()).toBe(body);
    expect(seenByCandidate!.headers['x-user-id']).toBe('u1');
    expect(seenByCandidate!.headers.host).toBe(new URL(candidate.url).host);

    const [exchange] = await collector.received(1);
    expect(exchange!.route).toEqual({ name: 'orders', pattern: '/orders', params: {} });
    expect(exchange!.request.body.toString()).toBe(body);
    expect(JSON.parse(exchange!.reference.response!.body.toString())).toEqual({ from: 'reference' });
    expect(JSON.parse(exchange!.candidate.response!.body.toString())).toEqual({ from: 'candidate' });
    expect(exchange!.candidate.latencyMs).toBeGreaterThanOrEqual(0);
  });

  it('gives the route parameters to the seam', async () => {
    const p = await startWith();
    await call(`${p.proxyUrl}/items/caf%C3%A9`);
    const [exchange] = await collector.received(1);
    expect(exchange!.route.params).toEqual({ id: 'café' });
  });

  it.each(['after', 'parallel'])('does not delay the client when the candidate never answers (mode %s)', async (mode) => {
    candidate.respond = candidate.hold;
    const p = await startWith(`[shadow]\nmode = "${mode}"`);
    const res = await call(`${p.proxyUrl}/items/1`);
    expect(res.status).toBe(200);
    // The candidate has the request and is still holding it, yet the client already has its answer.
    await candidate.received(1);
    expect(collector.exchanges).toHaveLength(0);
    expect(await p.metric('shadowdiff_shadow_in_flight')).toBe(1);
    candidate.release();
    await collector.received(1);
  });

  it('records a candidate timeout as the candidate result, not as a client error', async () => {
    candidate.respond = candidate.hold;
    const p = await startWith('[shadow]\ntimeout_ms = 100');
    expect((await call(`${p.proxyUrl}/items/1`)).status).toBe(200);
    const [exchange] = await collector.received(1);
    expect(exchange!.candidate.error).toEqual({ code: 'timeout', message: expect.any(String) });
    expect(await p.metric('shadowdiff_shadow_requests_total', { route: 'items', result: 'timeout' })).toBe(1);
  });

  it('does not shadow a request that already carries the role header (loop protection)', async () => {
    const p = await startWith();
    await call(`${p.proxyUrl}/items/1`, { headers: { 'x-shadow-test-role': 'candidate' } });
    expect(await p.metric('shadowdiff_shadow_skipped_total', { route: 'items', reason: 'loop' })).toBe(1);
    expect(candidate.requests).toHaveLength(0);
  });

  it('does not shadow unsafe methods unless the route opts in', async () => {
    const p = await startWith();
    await call(`${p.proxyUrl}/items/1`, { method: 'DELETE' });
    expect(await p.metric('shadowdiff_shadow_skipped_total', { route: 'items', reason: 'method' })).toBe(1);
    expect(reference.requests).toHaveLength(1);
    expect(candidate.requests).toHaveLength(0);
  });

  it('does not shadow excluded paths', async () => {
    const p = await startWith('[shadow]\nexclude = ["/items/secret*"]');
    await call(`${p.proxyUrl}/items/secret-1`);
    await call(`${p.proxyUrl}/items/public`);
    await collector.received(1);
    expect(await p.metric('shadowdiff_shadow_skipped_total', { route: 'items', reason: 'excluded' })).toBe(1);
    expect(candidate.requests.map((r) => r.url)).toEqual(['/items/public']);
  });

  it('samples consistently by key: each user is all in or all out', async () => {
    const p = await startWith('[shadow]\nsample_percent = 50\nsample_key = "header:x-user-id"');
    const users = Array.from({ length: 12 }, (_, i) => `user-${i}`);
    for (const user of users) for (let i = 0; i < 3; i++) await call(`${p.proxyUrl}/items/${i}`, { headers: { 'x-user-id': user } });
    const sampledOut = await p.metric('shadowdiff_shadow_skipped_total', { route: 'items', reason: 'sampled_out' });
    await collector.received(users.length * 3 - sampledOut);
    const perUser = new Map<string, number>();
    for (const e of collector.exchanges) perUser.set(String(e.request.headers['x-user-id']), (perUser.get(String(e.request.headers['x-user-id'])) ?? 0) + 1);
    for (const count of perUser.values()) expect(count).toBe(3);
    // 12 users at 50%: both groups exist (fixed keys, so this is deterministic).
    expect(perUser.size).toBeGreaterThan(0);
    expect(perUser.size).toBeLessThan(users.length);
  });

  it('passes an oversize request body through unshadowed and counts it (declared and chunked)', async () => {
    const p = await startWith('', `[[routes]]
name = "upload"
path = "/upload"
  [routes.shadow]
  methods = ["POST"]
  max_request_bytes = 1000`);
    const big = 'x'.repeat(5000);
    await call(`${p.proxyUrl}/upload`, { method: 'POST', body: big });
    async function* chunked() {
      for (let i = 0; i < 5; i++) yield Buffer.from('y'.repeat(1000));
    }
    await call(`${p.proxyUrl}/upload`, { method: 'POST', body: Readable.from(chunked()) });
    const [first, second] = await reference.received(2);
    expect(first!.body.toString()).toBe(big);
    expect(second!.body.toString()).toBe('y'.repeat(5000));
    expect(await p.metric('shadowdiff_shadow_skipped_total', { route: 'upload', reason: 'request_too_large' })).toBe(2);
    expect(candidate.requests).toHaveLength(0);
  });

  it('passes an oversize reference response through in full, unshadowed, and counts it', async () => {
    const big = 'z'.repeat(50_000);
    reference.respond = (_req, res) => res.end(big);
    const p = await startWith('[shadow]\nmax_response_bytes = 10000');
    const res = await call(`${p.proxyUrl}/items/1`);
    expect(res.body.toString()).toBe(big);
    await eventually(async () => (await p.metric('shadowdiff_shadow_skipped_total', { route: 'items', reason: 'response_too_large' })) === 1, 'skip count');
    expect(await p.metric('shadowdiff_shadow_in_flight')).toBe(0);
    expect(collector.exchanges).toHaveLength(0);
  });

  it('caps shadow calls in flight and counts what it drops', async () => {
    candidate.respond = candidate.hold;
    const p = await startWith('[shadow]\nmax_in_flight = 1');
    await call(`${p.proxyUrl}/items/1`);
    await candidate.received(1);
    const second = await call(`${p.proxyUrl}/items/2`);
    expect(second.status).toBe(200);
    expect(await p.metric('shadowdiff_shadow_skipped_total', { route: 'items', reason: 'in_flight_full' })).toBe(1);
    candidate.release();
    await collector.received(1);
    await eventually(async () => (await p.metric('shadowdiff_shadow_in_flight')) === 0, 'slot released');
    expect(candidate.requests).toHaveLength(1);
  });

  it('sheds shadows while the event loop is too busy, never a client request, and recovers', async () => {
    const p = await startWith('', undefined, { maxLoopUtilization: 0.3 });
    const busy = (ms: number) => {
      const until = performance.now() + ms;
      while (performance.now() < until);
    };
    let round = 0;
    await eventually(
      async () => {
        expect((await call(`${p.proxyUrl}/items/${round++}`)).status).toBe(200);
        busy(40);
        return (await p.metric('shadowdiff_shadow_skipped_total', { route: 'items', reason: 'overloaded' })) > 0;
      },
      'a shadow shed as overloaded',
      15_000,
    );
    expect(await p.metric('shadowdiff_shadow_admit_ratio')).toBeLessThan(1);
    expect(p.logs.join('')).toContain('shedding a share of shadows');

    await eventually(async () => (await p.metric('shadowdiff_shadow_admit_ratio')) === 1, 'the admit ratio back at 1', 15_000);
    expect(p.logs.join('')).toContain('shadowing every eligible request');
    const before = candidate.requests.length;
    expect((await call(`${p.proxyUrl}/items/after`)).status).toBe(200);
    await eventually(() => candidate.requests.length === before + 1, 'the next request shadowed');
  });

  it('still compares when the reference fails, so reference errors are visible', async () => {
    reference.respond = (_req, res) => res.destroy();
    const p = await startWith();
    expect((await call(`${p.proxyUrl}/items/1`)).status).toBe(502);
    const [exchange] = await collector.received(1);
    expect(exchange!.reference.error?.code).toBe('reset');
    expect(exchange!.candidate.response?.status).toBe(200);
  });

  it('moves the request, latency and shadow metrics', async () => {
    const p = await startWith();
    await call(`${p.proxyUrl}/items/1`);
    await collector.received(1);
    expect(await p.metric('shadowdiff_requests_total', { route: 'items', method: 'GET', status: '200' })).toBe(1);
    expect(await p.metric('shadowdiff_shadow_requests_total', { route: 'items', result: 'response' })).toBe(1);
    const text = await p.metrics.registry.metrics();
    expect(text).toMatch(/shadowdiff_upstream_duration_seconds_count\{role="reference",route="items"\} 1/);
    expect(text).toMatch(/shadowdiff_upstream_duration_seconds_count\{role="candidate",route="items"\} 1/);
    expect(text).toMatch(/process_cpu_seconds_total/);
  });

  it('serves /metrics, /healthz and /readyz on the admin port', async () => {
    const p = await startWith();
    const metrics = await call(`${p.adminUrl}/metrics`);
    expect(metrics.status).toBe(200);
    expect(metrics.body.toString()).toContain('shadowdiff_requests_total');
    expect(JSON.parse((await call(`${p.adminUrl}/healthz`)).body.toString())).toEqual({ status: 'ok' });
    expect((await call(`${p.adminUrl}/readyz`)).status).toBe(200);
    expect((await call(`${p.adminUrl}/nope`)).status).toBe(404);
  });

  it('stops calling a candidate that refuses connections, and counts the skips', async () => {
    const p = await startWith();
    await candidate.close();
    for (let i = 0; i < 8; i++) expect((await call(`${p.proxyUrl}/items/${i}`)).status).toBe(200);
    await eventually(async () => (await p.metric('shadowdiff_upstream_errors_total', { role: 'candidate', reason: 'refused' })) === 5, 'five refusals');
    await eventually(async () => (await p.metric('shadowdiff_shadow_in_flight')) === 0, 'calls settled');
    expect((await call(`${p.proxyUrl}/items/9`)).status).toBe(200);
    expect(await p.metric('shadowdiff_shadow_skipped_total', { route: 'items', reason: 'candidate_down' })).toBeGreaterThanOrEqual(1);
    expect(await p.metric('shadowdiff_upstream_errors_total', { role: 'candidate', reason: 'refused' })).toBeLessThanOrEqual(8);
    candidate = await TestUpstream.start();
  });
});

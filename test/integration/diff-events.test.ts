// Diff events produced end to end through the proxy, against real upstreams.
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createMetrics } from '../../src/admin/metrics';
import { NdjsonSink } from '../../src/sink/ndjson';
import { json, TestUpstream } from '../helpers/upstream';
import { call, eventually, startProxy, type TestProxy } from '../helpers/proxy';
import { schemaErrors } from '../helpers/schema';

describe('diff events', () => {
  let reference: TestUpstream;
  let candidate: TestUpstream;
  let secondary: TestUpstream;
  let proxy: TestProxy | undefined;

  beforeEach(async () => {
    reference = await TestUpstream.start();
    candidate = await TestUpstream.start();
    secondary = await TestUpstream.start();
  });

  afterEach(async () => {
    await proxy?.shutdown();
    proxy = undefined;
    await Promise.all([reference.close(), candidate.close(), secondary.close()]);
  });

  const routes = (extra = '') => `
[upstreams]
reference = "${reference.url}"
candidate = "${candidate.url}"
[[routes]]
name = "users"
path = "/users/{id}"
${extra}
`;

  it('publishes a schema-valid mismatch event with located, typed differences', async () => {
    reference.respond = json({ id: 7, name: 'Ada', email: 'ada@example.com', tags: ['a', 'b'], balance: 10 });
    candidate.respond = json({ id: '7', fullName: 'Ada', email: 'ada@example.com', tags: ['b', 'a'], balance: 11 }, 200);
    proxy = await startProxy(routes());
    await call(`${proxy.proxyUrl}/users/7?expand=all`, { headers: { traceparent: '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01' } });
    const [event] = await proxy.events.received(1);
    expect(schemaErrors(event)).toEqual([]);
    expect(event).toMatchObject({
      schema: 'shadowdiff.diff-event/v1',
      traceId: '4bf92f3577b34da6a3ce929d0e0e4736',
      route: { name: 'users', pattern: '/users/{id}', params: { id: '7' } },
      request: { method: 'GET', path: '/users/7', query: 'expand=all' },
      reference: { status: 200, url: `${reference.url}/users/7` },
      candidate: { status: 200, url: `${candidate.url}/users/7` },
      outcome: 'mismatch',
      bodyFormat: 'json',
      truncated: false,
    });
    const found = event!.differences.map((d) => [d.path, d.kind, d.severity]);
    expect(found).toEqual(
      expect.arrayContaining([
        ['/id', 'type', 'high'],
        ['/name', 'missing', 'high'],
        ['/balance', 'value', 'medium'],
        ['/fullName', 'extra', 'low'],
        ['/tags', 'order', 'low'],
      ]),
    );
    expect(event!.differences).toHaveLength(5);
    expect(event!.summary).toEqual({ differences: 5, noise: 0, high: 2, medium: 1, low: 2 });
    expect(event!.reference.body!.sample).toContain('"name":"Ada"');
    expect(event!.reference.body!.sha256).toMatch(/^[0-9a-f]{64}$/);
  });

  it('publishes small match events without samples or headers', async () => {
    reference.respond = json({ same: true });
    candidate.respond = json({ same: true });
    proxy = await startProxy(routes());
    await call(`${proxy.proxyUrl}/users/1`);
    const [event] = await proxy.events.received(1);
    expect(schemaErrors(event)).toEqual([]);
    expect(event!.outcome).toBe('match');
    expect(event!.differences).toEqual([]);
    expect(event!.request.headers).toBeUndefined();
    expect(event!.reference.body!.sample).toBeUndefined();
    expect(await proxy.metric('shadowdiff_diff_events_total', { route: 'users', outcome: 'match' })).toBe(1);
  });

  it('can leave match events out while still counting them', async () => {
    proxy = await startProxy(`${routes()}\n[events]\nemit_matches = false`);
    await call(`${proxy.proxyUrl}/users/1`);
    await eventually(async () => (await proxy!.metric('shadowdiff_diff_events_total', { outcome: 'match' })) === 1, 'match counted');
    expect(proxy.events.events).toHaveLength(0);
  });

  it.each([
    ['candidate_error', (c: TestUpstream) => (c.respond = (_q, res) => res.destroy())],
    ['candidate_timeout', (c: TestUpstream) => (c.respond = c.hold)],
  ])('reports %s as the outcome, with a schema-valid event', async (outcome, breakCandidate) => {
    breakCandidate(candidate);
    proxy = await startProxy(`${routes()}\n[shadow]\ntimeout_ms = 100`);
    await call(`${proxy.proxyUrl}/users/1`);
    const [event] = await proxy.events.received(1);
    expect(schemaErrors(event)).toEqual([]);
    expect(event!.outcome).toBe(outcome);
    expect(event!.candidate.error?.code).toBe(outcome === 'candidate_timeout' ? 'timeout' : 'reset');
  });

  it('marks differences that two references disagree on as noise, and the outcome stays match', async () => {
    let n = 0;
    const volatile = (name: string) => json({ name, servedAt: `t${n++}`, stable: 1 });
    reference.respond = volatile('same');
    secondary.respond = volatile('same');
    candidate.respond = volatile('same');
    proxy = await startProxy(`
[upstreams]
reference = "${reference.url}"
candidate = "${candidate.url}"
secondary = "${secondary.url}"
[[routes]]
name = "users"
path = "/users/{id}"
`);
    await call(`${proxy.proxyUrl}/users/1`);
    const [event] = await proxy.events.received(1);
    expect(schemaErrors(event)).toEqual([]);
    expect(secondary.requests[0]!.headers['x-shadow-test-role']).toBe('secondary');
    expect(event!.outcome).toBe('match');
    expect(event!.differences).toEqual([expect.objectContaining({ path: '/servedAt', kind: 'value', noise: true, noiseReason: 'secondary' })]);
    expect(event!.secondaryDifferences).toEqual([{ path: '/servedAt', normalizedPath: '/servedAt', kind: 'value' }]);
    expect(event!.summary).toMatchObject({ differences: 1, noise: 1 });
  });

  it('still reports a real difference next to noise', async () => {
    let n = 0;
    reference.respond = (q, res) => json({ at: `t${n++}`, price: 10 })(q, res);
    secondary.respond = (q, res) => json({ at: `t${n++}`, price: 10 })(q, res);
    candidate.respond = (q, res) => json({ at: `t${n++}`, price: 12 })(q, res);
    proxy = await startProxy(routes(`secondary = "${secondary.url}"`));
    await call(`${proxy.proxyUrl}/users/1`);
    const [event] = await proxy.events.received(1);
    expect(event!.outcome).toBe('mismatch');
    expect(event!.differences.map((d) => [d.path, d.noise])).toEqual([
      ['/price', false],
      ['/at', true],
    ]);
  });

  it('marks timestamps and UUIDs as noise with the built-in detectors, visible in the event', async () => {
    reference.respond = json({ id: '1b4e28ba-2fa1-11d2-883f-0016d3cca427', at: '2026-11-21T10:00:00Z', requestId: 'abc', v: 1 });
    candidate.respond = json({ id: '6fa459ea-ee8a-3ca4-894e-db77e160355e', at: '2026-11-21T10:00:01.123Z', requestId: 'def', v: 1 });
    proxy = await startProxy(routes(`  [routes.compare]\n  noise = ["timestamp", "uuid", "request_id"]`));
    await call(`${proxy.proxyUrl}/users/1`);
    const [event] = await proxy.events.received(1);
    expect(event!.outcome).toBe('match');
    expect(Object.fromEntries(event!.differences.map((d) => [d.path, d.noiseReason]))).toEqual({ '/id': 'uuid', '/at': 'timestamp', '/requestId': 'request_id' });
  });

  it('applies per-route rules: ignored paths, keyed arrays, tolerance, ignore_added', async () => {
    reference.respond = json({ meta: { took: 3 }, items: [{ sku: 'a', price: 1.0 }, { sku: 'b', price: 2.0 }] });
    candidate.respond = json({ meta: { took: 9 }, items: [{ sku: 'b', price: 2.001 }, { sku: 'a', price: 1.0 }], added: true });
    proxy = await startProxy(
      routes(`  [routes.compare]
  ignore = ["/meta"]
  array_keys = { "/items" = "sku" }
  tolerance = { absolute = 0.01 }
  ignore_added = true`),
    );
    await call(`${proxy.proxyUrl}/users/1`);
    const [event] = await proxy.events.received(1);
    expect(event!.outcome).toBe('match');
    expect(event!.differences).toEqual([]);
  });

  it('compares large bodies in a worker with the same result', async () => {
    const big = (price: number) => ({ items: Array.from({ length: 5000 }, (_, i) => ({ id: i, name: `n${i}`, price: i === 4321 ? price : i })) });
    reference.respond = json(big(1));
    candidate.respond = json(big(2));
    proxy = await startProxy(`${routes()}\n[compare]\nworker_threshold_bytes = 1024\nworker_threads = 1`);
    await call(`${proxy.proxyUrl}/users/1`);
    const [event] = await proxy.events.received(1);
    expect(event!.differences).toEqual([expect.objectContaining({ path: '/items/4321/price', reference: 1, candidate: 2 })]);
    const text = await proxy.metrics.registry.metrics();
    expect(text).toMatch(/shadowdiff_compare_duration_seconds_count\{mode="worker"\} 1/);
  });

  it('writes the same events to an NDJSON file, one valid event per line', async () => {
    reference.respond = json({ a: 1 });
    candidate.respond = json({ a: 2 });
    const path = join(mkdtempSync(join(tmpdir(), 'shadowdiff-sink-')), 'events.ndjson');
    const metrics = createMetrics();
    proxy = await startProxy(routes(), { sink: NdjsonSink.toFile(path, metrics, 100) });
    for (let i = 0; i < 3; i++) await call(`${proxy.proxyUrl}/users/${i}`);
    await eventually(async () => (await metrics.registry.getSingleMetric('shadowdiff_events_published_total')!.get()).values[0]?.value === 3, 'three events written');
    await proxy.shutdown();
    proxy = undefined;
    const lines = readFileSync(path, 'utf8').trim().split('\n').map((l) => JSON.parse(l));
    expect(lines).toHaveLength(3);
    for (const line of lines) expect(schemaErrors(line)).toEqual([]);
    expect(new Set(lines.map((l) => l.id)).size).toBe(3);
  });
});

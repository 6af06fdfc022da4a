// What the client sees: exact reference bytes, clean headers, clear errors.
import { gzipSync } from 'node:zlib';
import { freePort } from '../helpers/ports';
import { json, TestUpstream } from '../helpers/upstream';
import { call, rawCall, startProxy, type TestProxy } from '../helpers/proxy';

describe('reference path', () => {
  let reference: TestUpstream;
  let candidate: TestUpstream;
  let proxy: TestProxy;

  beforeEach(async () => {
    reference = await TestUpstream.start();
    candidate = await TestUpstream.start();
    proxy = await startProxy(`
[upstreams]
reference = "${reference.url}"
candidate = "${candidate.url}"
[proxy]
timeout_ms = 300
[[routes]]
name = "items"
path = "/items/{id}"
`);
  });

  afterEach(async () => {
    await proxy.shutdown();
    await Promise.all([reference.close(), candidate.close()]);
  });

  /** Replaces the proxy of beforeEach with one of another configuration. */
  const restartWith = async (toml: string) => {
    await proxy.shutdown();
    proxy = await startProxy(toml);
  };

  it('passes a gzip body through compressed, byte for byte, with its content-length', async () => {
    const compressed = gzipSync(JSON.stringify({ items: Array.from({ length: 200 }, (_, i) => ({ i })) }));
    reference.respond = (_req, res) => {
      res.writeHead(200, { 'content-type': 'application/json', 'content-encoding': 'gzip', 'content-length': compressed.length });
      res.end(compressed);
    };
    const res = await call(`${proxy.proxyUrl}/items/1`, { headers: { 'accept-encoding': 'gzip' } });
    expect(res.status).toBe(200);
    expect(res.headers['content-encoding']).toBe('gzip');
    expect(res.headers['content-length']).toBe(String(compressed.length));
    expect(res.body.equals(compressed)).toBe(true);
  });

  it('passes a chunked body through unchanged', async () => {
    const parts = ['first,', 'second,', 'third'];
    reference.respond = (_req, res) => {
      res.writeHead(201, { 'content-type': 'text/plain', 'x-custom': 'kept' });
      for (const part of parts) res.write(part);
      res.end();
    };
    const res = await call(`${proxy.proxyUrl}/items/2`);
    expect(res.status).toBe(201);
    expect(res.headers['x-custom']).toBe('kept');
    expect(res.headers['transfer-encoding']).toBe('chunked');
    expect(res.body.toString()).toBe(parts.join(''));
  });

  it('forwards method, path, query and body; strips hop-by-hop headers both ways; adds X-Forwarded-*', async () => {
    reference.respond = (_req, res) => {
      res.writeHead(200, { 'content-type': 'text/plain', connection: 'x-upstream-hop', 'x-upstream-hop': 'secret-hop', 'keep-alive': 'timeout=5' });
      res.end('ok');
    };
    // node:http, because undici will not send a custom Connection header.
    const res = await rawCall(`${proxy.proxyUrl}/items/3?a=1&b=%20x`, 'PUT', {
      'content-type': 'text/plain',
      connection: 'x-client-hop',
      'x-client-hop': 'drop me',
      'x-forwarded-for': '10.1.1.1',
      'x-kept': 'yes',
    }, 'payload');
    expect(res.headers['x-upstream-hop']).toBeUndefined();
    const [seen] = await reference.received(1);
    expect(seen!.method).toBe('PUT');
    expect(seen!.url).toBe('/items/3?a=1&b=%20x');
    expect(seen!.body.toString()).toBe('payload');
    expect(seen!.headers['x-client-hop']).toBeUndefined();
    expect(seen!.headers['x-kept']).toBe('yes');
    expect(seen!.headers['x-forwarded-for']).toBe('10.1.1.1, 127.0.0.1');
    expect(seen!.headers['x-forwarded-proto']).toBe('http');
    expect(seen!.headers['x-forwarded-host']).toBe(new URL(proxy.proxyUrl).host);
    expect(seen!.headers.host).toBe(new URL(reference.url).host);
  });

  it('overwrites a client-sent role header with "reference"', async () => {
    await call(`${proxy.proxyUrl}/items/4`, { headers: { 'x-shadow-test-role': 'candidate' } });
    const [seen] = await reference.received(1);
    expect(seen!.headers['x-shadow-test-role']).toBe('reference');
  });

  it('answers 502 with a JSON error when the reference refuses connections, and counts it', async () => {
    await restartWith(`
[upstreams]
reference = "http://127.0.0.1:${await freePort()}"
[[routes]]
name = "down"
path = "/{*rest}"
`);
    const res = await call(`${proxy.proxyUrl}/anything`);
    expect(res.status).toBe(502);
    expect(res.headers['content-type']).toMatch(/^application\/json/);
    expect(JSON.parse(res.body.toString())).toEqual({ error: 'reference_unavailable', message: expect.stringContaining('refused') });
    expect(await proxy.metric('shadowdiff_upstream_errors_total', { role: 'reference', route: 'down', reason: 'refused' })).toBe(1);
    expect(await proxy.metric('shadowdiff_requests_total', { route: 'down', status: '502' })).toBe(1);
  });

  it('answers 504 with a JSON error when the reference is slower than its timeout', async () => {
    reference.respond = reference.hold;
    const res = await call(`${proxy.proxyUrl}/items/5`);
    expect(res.status).toBe(504);
    expect(JSON.parse(res.body.toString())).toEqual({ error: 'reference_timeout', message: expect.any(String) });
    expect(await proxy.metric('shadowdiff_upstream_errors_total', { role: 'reference', reason: 'timeout' })).toBe(1);
  });

  it('proxies unmatched requests to the reference without shadowing', async () => {
    const res = await call(`${proxy.proxyUrl}/not/a/route`);
    expect(res.status).toBe(200);
    expect((await reference.received(1))[0]!.url).toBe('/not/a/route');
    expect(await proxy.metric('shadowdiff_requests_total', { route: 'unmatched', status: '200' })).toBe(1);
    expect(candidate.requests).toHaveLength(0);
  });

  it('answers unmatched requests with a 404 JSON error when configured to', async () => {
    await restartWith(`
[upstreams]
reference = "${reference.url}"
[proxy]
unmatched = "not_found"
[[routes]]
name = "items"
path = "/items/{id}"
`);
    const res = await call(`${proxy.proxyUrl}/elsewhere`);
    expect(res.status).toBe(404);
    expect(JSON.parse(res.body.toString())).toEqual({ error: 'no_route', message: 'no route matches GET /elsewhere' });
    expect(reference.requests).toHaveLength(0);
  });

  it('keeps the client Host header when host_header = "preserve", and honours an upstream base path', async () => {
    await restartWith(`
[upstreams]
reference = "${reference.url}/base/"
[proxy]
host_header = "preserve"
[[routes]]
name = "items"
path = "/items/{id}"
`);
    await call(`${proxy.proxyUrl}/items/9?x=y`, { headers: { host: 'shop.example' } });
    const [seen] = await reference.received(1);
    expect(seen!.headers.host).toBe('shop.example');
    expect(seen!.url).toBe('/base/items/9?x=y');
  });

  it('answers HEAD without a body but with the reference headers', async () => {
    reference.respond = json({ some: 'body' });
    const res = await call(`${proxy.proxyUrl}/items/7`, { method: 'HEAD' });
    expect(res.status).toBe(200);
    expect(res.body.length).toBe(0);
    expect(res.headers['content-length']).toBe(String(JSON.stringify({ some: 'body' }).length));
  });
});

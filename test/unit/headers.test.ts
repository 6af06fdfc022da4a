import { clientResponseHeaders, forwardRequestHeaders } from '../../src/proxy/headers';

const base = { upstreamHost: 'ref.internal:9001', hostHeader: 'upstream' as const, clientAddress: '10.0.0.7', protocol: 'http' as const };

describe('forwardRequestHeaders', () => {
  it('drops hop-by-hop fields, fields listed in Connection, and any client role header', () => {
    const out = forwardRequestHeaders(
      {
        host: 'shop.example',
        connection: 'keep-alive, X-Trace-Hop',
        'keep-alive': 'timeout=5',
        'proxy-authorization': 'Basic abc',
        te: 'trailers',
        trailer: 'x',
        'transfer-encoding': 'chunked',
        upgrade: 'websocket',
        'x-trace-hop': '1',
        'x-shadow-test-role': 'reference',
        accept: 'application/json',
        authorization: 'Bearer end-to-end',
      },
      base,
    );
    expect(out).toEqual({
      host: 'ref.internal:9001',
      accept: 'application/json',
      authorization: 'Bearer end-to-end',
      'x-forwarded-for': '10.0.0.7',
      'x-forwarded-proto': 'http',
      'x-forwarded-host': 'shop.example',
    });
  });

  it('appends to X-Forwarded-For and keeps Proto and Host set by a proxy in front', () => {
    const out = forwardRequestHeaders(
      { host: 'inner', 'x-forwarded-for': '1.1.1.1', 'x-forwarded-proto': 'https', 'x-forwarded-host': 'outer.example' },
      base,
    );
    expect(out['x-forwarded-for']).toBe('1.1.1.1, 10.0.0.7');
    expect(out['x-forwarded-proto']).toBe('https');
    expect(out['x-forwarded-host']).toBe('outer.example');
  });

  it('keeps the client Host when asked to', () => {
    expect(forwardRequestHeaders({ host: 'shop.example' }, { ...base, hostHeader: 'preserve' }).host).toBe('shop.example');
    expect(forwardRequestHeaders({}, { ...base, hostHeader: 'preserve' }).host).toBe('ref.internal:9001');
  });

  it('keeps repeated headers as lists', () => {
    expect(forwardRequestHeaders({ 'x-multi': ['a', 'b'] } as never, base)['x-multi']).toEqual(['a', 'b']);
  });
});

describe('clientResponseHeaders', () => {
  it('drops hop-by-hop fields and keeps everything else, set-cookie lists included', () => {
    expect(
      clientResponseHeaders({
        connection: 'close, x-internal',
        'x-internal': 'secret',
        'keep-alive': 'timeout=5',
        'transfer-encoding': 'chunked',
        'content-encoding': 'gzip',
        'content-length': '10',
        'set-cookie': ['a=1', 'b=2'],
      }),
    ).toEqual({ 'content-encoding': 'gzip', 'content-length': '10', 'set-cookie': ['a=1', 'b=2'] });
  });
});

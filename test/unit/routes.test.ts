import fc from 'fast-check';
import { compilePattern, PatternError, Router } from '../../src/proxy/routes';

function routerOf(...patterns: (string | [string, string[]])[]): Router<string> {
  const router = new Router<string>();
  for (const p of patterns) {
    const [pattern, methods] = typeof p === 'string' ? [p, undefined] : p;
    router.add(compilePattern(pattern), `${pattern}${methods ? ` ${methods.join(',')}` : ''}`, methods ? new Set(methods) : undefined);
  }
  return router;
}

describe('route patterns', () => {
  it.each([
    ['users/{id}', 'must start with "/"'],
    ['/static/{*rest}/more', 'catch-all "{*rest}" must be the last segment'],
    ['/a/{id}/b/{id}', 'parameter "id" appears twice'],
    ['/a/{id', 'segment "{id" is not a parameter ({name}) or catch-all ({*name})'],
    ['/a/x{id}', 'segment "x{id}" is not a parameter ({name}) or catch-all ({*name})'],
    ['/a/{1id}', 'segment "{1id}" is not a parameter ({name}) or catch-all ({*name})'],
  ])('rejects %s', (pattern, message) => {
    expect(() => compilePattern(pattern)).toThrow(new PatternError(message));
  });
});

describe('Router', () => {
  const router = routerOf('/users/{id}', '/users/me', '/users/{id}/orders/{orderId}', '/static/{*rest}', '/', '/{*any}');

  it.each([
    ['/users/me', '/users/me', {}],
    ['/users/42', '/users/{id}', { id: '42' }],
    ['/users/42/orders/7', '/users/{id}/orders/{orderId}', { id: '42', orderId: '7' }],
    ['/static/css/site.css', '/static/{*rest}', { rest: 'css/site.css' }],
    ['/static/', '/static/{*rest}', { rest: '' }],
    ['/static', '/static/{*rest}', { rest: '' }],
    ['/', '/', {}],
    ['/other/thing', '/{*any}', { any: 'other/thing' }],
    ['/users/42/unknown', '/{*any}', { any: 'users/42/unknown' }],
    ['/users/a%20b', '/users/{id}', { id: 'a b' }],
    ['/users/%E0%A4%A', '/users/{id}', { id: '%E0%A4%A' }],
  ])('matches %s to %s', (path, route, params) => {
    expect(router.match('GET', path)).toEqual({ route, params });
  });

  it('does not bind an empty segment to a parameter', () => {
    expect(routerOf('/users/{id}').match('GET', '/users/')).toBeUndefined();
  });

  it('falls back to a less specific route when the method does not match', () => {
    const r = routerOf(['/users/me', ['POST']], '/users/{id}');
    expect(r.match('POST', '/users/me')?.route).toBe('/users/me POST');
    expect(r.match('GET', '/users/me')).toEqual({ route: '/users/{id}', params: { id: 'me' } });
  });

  it('picks the first listed route among equal patterns that accepts the method', () => {
    const r = routerOf(['/a', ['GET']], ['/a', ['GET', 'POST']], '/a');
    expect(r.match('GET', '/a')?.route).toBe('/a GET');
    expect(r.match('POST', '/a')?.route).toBe('/a GET,POST');
    expect(r.match('PUT', '/a')?.route).toBe('/a');
  });

  it('keeps each route\'s own parameter names when patterns share a prefix', () => {
    const r = routerOf('/a/{x}/b', '/a/{y}/c');
    expect(r.match('GET', '/a/1/b')?.params).toEqual({ x: '1' });
    expect(r.match('GET', '/a/1/c')?.params).toEqual({ y: '1' });
  });

  const segment = fc.stringMatching(/^[a-z0-9]{1,6}$/);

  it('property: a static pattern always beats a parameter pattern of the same shape', () => {
    fc.assert(
      fc.property(fc.array(segment, { minLength: 1, maxLength: 5 }), fc.nat(), (parts, pick) => {
        const index = pick % parts.length;
        const withParam = parts.map((p, i) => (i === index ? '{p}' : p));
        const r = routerOf('/' + withParam.join('/'), '/' + parts.join('/'), '/{*all}');
        expect(r.match('GET', '/' + parts.join('/'))?.route).toBe('/' + parts.join('/'));
      }),
    );
  });

  it('property: a parameter pattern binds exactly the segment it stands for', () => {
    fc.assert(
      fc.property(fc.array(segment, { minLength: 1, maxLength: 5 }), fc.nat(), (parts, pick) => {
        const index = pick % parts.length;
        const pattern = '/' + parts.map((p, i) => (i === index ? '{p}' : `s${p}`)).join('/');
        const path = '/' + parts.map((p, i) => (i === index ? p : `s${p}`)).join('/');
        expect(routerOf(pattern).match('GET', path)).toEqual({ route: pattern, params: { p: parts[index] } });
      }),
    );
  });
});

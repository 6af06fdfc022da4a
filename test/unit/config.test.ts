import { ConfigError } from '../../src/config/errors';
import { parseConfig } from '../../src/config/load';

const minimal = `
[upstreams]
reference = "http://127.0.0.1:9001"
candidate = "http://127.0.0.1:9002"
`;

function issuesOf(text: string, env: Record<string, string> = {}): string[] {
  try {
    parseConfig(text, 'cfg.toml', env);
  } catch (err) {
    if (err instanceof ConfigError) return err.message.split('\n');
    throw err;
  }
  throw new Error('expected a ConfigError');
}

describe('config validation', () => {
  it('accepts a minimal file and fills in the defaults', () => {
    const config = parseConfig(minimal, 'cfg.toml');
    expect(config.listen).toEqual({ host: '0.0.0.0', port: 8080, workers: 1 });
    expect(config.admin).toEqual({ enabled: true, host: '127.0.0.1', port: 9090 });
    expect(config.unmatched?.reference.href).toBe('http://127.0.0.1:9001/');
    expect(config.unmatched?.shadow.enabled).toBe(false);
    expect(config.maxShadowInFlight).toBe(256);
    expect(config.maxLoopUtilization).toBe(0.6);
  });

  it('merges shadow defaults into routes, route values winning', () => {
    const config = parseConfig(
      `${minimal}
[shadow]
sample_percent = 20
exclude = ["/health"]
timeout_ms = 900
[[routes]]
name = "a"
path = "/a/{id}"
  [routes.shadow]
  sample_percent = 70
  methods = ["get", "POST"]
  exclude = ["/a/private"]
`,
      'cfg.toml',
    );
    const shadow = config.routes[0]!.shadow;
    expect(shadow.samplePercent).toBe(70);
    expect(shadow.timeoutMs).toBe(900);
    expect([...shadow.methods]).toEqual(['GET', 'POST']);
    expect(shadow.isExcluded('/health')).toBe(true);
    expect(shadow.isExcluded('/a/private')).toBe(true);
    expect(shadow.isExcluded('/a/1')).toBe(false);
  });

  it('turns shadowing off for a route without a candidate', () => {
    const config = parseConfig('[[routes]]\nname = "a"\npath = "/a"\nreference = "http://r:1"', 'cfg.toml');
    expect(config.routes[0]!.shadow.enabled).toBe(false);
    expect(config.routes[0]!.candidate).toBeUndefined();
  });

  it.each([
    ['an unknown top-level key', `${minimal}\n[listn]\nport = 1`, ['cfg.toml: listn: unknown key']],
    ['an unknown nested key', `${minimal}\n[[routes]]\nname = "a"\npath = "/a"\ncandiate = "http://x"`, ['cfg.toml: routes[0].candiate: unknown key']],
    ['a wrong type', `${minimal}\n[listen]\nport = "80"`, ['cfg.toml: listen.port: must be a number']],
    ['a port out of range', `${minimal}\n[listen]\nport = 70000`, ['cfg.toml: listen.port: must be 0..65535']],
    [
      'a bad URL in the third route',
      `${minimal}\n[[routes]]\nname = "a"\npath = "/a"\n[[routes]]\nname = "b"\npath = "/b"\n[[routes]]\nname = "c"\npath = "/c"\ncandidate = "ftp://x"`,
      ['cfg.toml: routes[2].candidate: must be an http:// or https:// URL, got "ftp:"'],
    ],
    ['a URL that is not one', `[upstreams]\nreference = "nope"`, ['cfg.toml: upstreams.reference: must be an http:// or https:// URL, got "nope"']],
    ['credentials in a URL', `[upstreams]\nreference = "http://u:p@r:1"`, ['cfg.toml: upstreams.reference: must not contain credentials (user:password@)']],
    ['an unknown method', `${minimal}\n[shadow]\nmethods = ["GET", "FETCH"]`, ['cfg.toml: shadow.methods[1]: unknown HTTP method "FETCH"']],
    [
      'unsafe methods in the defaults',
      `${minimal}\n[shadow]\nmethods = ["GET", "POST", "DELETE"]`,
      ['cfg.toml: shadow.methods: unsafe methods (POST, DELETE) are shadowed only when a route opts in: list them in routes[n].shadow.methods'],
    ],
    ['a bad sample key', `${minimal}\n[shadow]\nsample_key = "cookie:id"`, ['cfg.toml: shadow.sample_key: must be "header:<name>" or "query:<name>"']],
    ['a percentage over 100', `${minimal}\n[shadow]\nsample_percent = 101`, ['cfg.toml: shadow.sample_percent: must be 0..100']],
    ['a loop utilisation of 0', `${minimal}\n[shadow]\nmax_loop_utilization = 0`, ['cfg.toml: shadow.max_loop_utilization: must be more than 0']],
    ['a loop utilisation over 1', `${minimal}\n[shadow]\nmax_loop_utilization = 1.5`, ['cfg.toml: shadow.max_loop_utilization: must be at most 1 (1 never sheds)']],
    [
      'a loop utilisation on a route (it is global)',
      `${minimal}\n[[routes]]\nname = "a"\npath = "/a"\n[routes.shadow]\nmax_loop_utilization = 0.5`,
      ['cfg.toml: routes[0].shadow.max_loop_utilization: unknown key'],
    ],
    ['a bad route pattern', `${minimal}\n[[routes]]\nname = "a"\npath = "/a/{*rest}/b"`, ['cfg.toml: routes[0].path: catch-all "{*rest}" must be the last segment']],
    ['a duplicate route name', `${minimal}\n[[routes]]\nname = "a"\npath = "/a"\n[[routes]]\nname = "a"\npath = "/b"`, ['cfg.toml: routes[1].name: "a" is already used by routes[0]']],
    ['a route without any reference', `[[routes]]\nname = "a"\npath = "/a"`, ['cfg.toml: routes[0].reference: is required: set it here or set upstreams.reference']],
    ['nothing to proxy to', `[listen]\nport = 1`, ['cfg.toml: upstreams.reference: is required when there are no routes (nothing to proxy to)']],
    ['routes written as a table', `${minimal}\n[routes]\nname = "a"`, ['cfg.toml: routes: must be a list']],
    ['a zero timeout', `${minimal}\n[proxy]\ntimeout_ms = 0`, ['cfg.toml: proxy.timeout_ms: must be greater than 0']],
  ])('reports %s with file, key and reason', (_what, text, expected) => {
    expect(issuesOf(text)).toEqual(expected);
  });

  it('reports every problem at once', () => {
    const issues = issuesOf(`${minimal}\n[listen]\nport = -1\nhots = "x"`);
    expect(issues.sort()).toEqual(['cfg.toml: listen.hots: unknown key', 'cfg.toml: listen.port: must be 0..65535']);
  });

  it('reports TOML syntax errors with line and column', () => {
    expect(issuesOf('[listen]\nport = = 3')).toEqual([expect.stringMatching(/^cfg\.toml: invalid TOML: line 2, column 8: Expected .* but "=" found\.$/)]);
  });
});

describe('environment overrides', () => {
  const routes = `${minimal}\n[[routes]]\nname = "user-profile"\npath = "/u"`;

  it('override upstream URLs globally and per route', () => {
    const config = parseConfig(routes, 'cfg.toml', {
      SHADOWDIFF_REFERENCE_URL: 'http://ref.env:1',
      SHADOWDIFF_ROUTE_USER_PROFILE_CANDIDATE_URL: 'http://cand.env:2',
      SHADOWDIFF_LISTEN_PORT: '8181',
    });
    expect(config.routes[0]!.reference.href).toBe('http://ref.env:1/');
    expect(config.routes[0]!.candidate!.href).toBe('http://cand.env:2/');
    expect(config.unmatched!.reference.href).toBe('http://ref.env:1/');
    expect(config.listen.port).toBe(8181);
  });

  it('name the variable when its value is invalid', () => {
    expect(issuesOf(routes, { SHADOWDIFF_CANDIDATE_URL: 'not a url' })).toEqual([
      'cfg.toml: upstreams.candidate (from SHADOWDIFF_CANDIDATE_URL): must be an http:// or https:// URL, got "not a url"',
    ]);
    expect(issuesOf(routes, { SHADOWDIFF_ADMIN_PORT: 'x' })).toEqual(['cfg.toml: admin.port (from SHADOWDIFF_ADMIN_PORT): must be a number']);
  });

  it('reject a per-route variable that names no route', () => {
    expect(issuesOf(routes, { SHADOWDIFF_ROUTE_USERPROFILE_REFERENCE_URL: 'http://x:1' })).toEqual([
      'cfg.toml: environment SHADOWDIFF_ROUTE_USERPROFILE_REFERENCE_URL: names no route (route names: USER_PROFILE)',
    ]);
  });
});

import fc from 'fast-check';
import { compilePathGlobs, decideShadow, fnv1a32, isSampledIn, type ShadowPolicy } from '../../src/shadow/policy';

const policy = (overrides: Partial<ShadowPolicy> = {}): ShadowPolicy => ({
  enabled: true,
  mode: 'after',
  methods: new Set(['GET', 'HEAD', 'OPTIONS']),
  samplePercent: 100,
  isExcluded: () => false,
  maxRequestBytes: 100,
  maxResponseBytes: 100,
  timeoutMs: 1000,
  ...overrides,
});
const get = { method: 'GET', path: '/a', query: '', headers: {}, hasRoleHeader: false };

describe('decideShadow', () => {
  it('shadows a plain GET', () => expect(decideShadow(policy(), get, 0.5)).toEqual({ shadow: true }));
  it.each([
    ['disabled', policy({ enabled: false }), get],
    ['loop', policy(), { ...get, hasRoleHeader: true }],
    ['method', policy(), { ...get, method: 'POST' }],
    ['excluded', policy({ isExcluded: (p) => p === '/a' }), get],
    ['sampled_out', policy({ samplePercent: 0 }), get],
    ['request_too_large', policy(), { ...get, contentLength: 101 }],
  ] as const)('skips with reason %s', (reason, p, req) => {
    expect(decideShadow(p, req, 0.5)).toEqual({ shadow: false, reason });
  });
  it('checks the role header before anything else, so loops never pass', () => {
    expect(decideShadow(policy({ methods: new Set(['POST']) }), { ...get, method: 'POST', hasRoleHeader: true }, 0)).toEqual({ shadow: false, reason: 'loop' });
  });
});

describe('sampling', () => {
  it('random sampling lands within 1.5 points of the percentage over 20k draws', () => {
    for (const percent of [1, 10, 50, 90]) {
      let inCount = 0;
      for (let i = 0; i < 20_000; i++) if (isSampledIn({ samplePercent: percent }, get, Math.random())) inCount++;
      expect(Math.abs((inCount / 20_000) * 100 - percent)).toBeLessThan(1.5);
    }
  });

  it('uses the draw exactly at the boundary', () => {
    expect(isSampledIn({ samplePercent: 25 }, get, 0.2499)).toBe(true);
    expect(isSampledIn({ samplePercent: 25 }, get, 0.25)).toBe(false);
  });

  it('property: with a key, the answer ignores the random draw and is monotonic in the percentage', () => {
    fc.assert(
      fc.property(fc.string(), fc.double({ min: 0, max: 0.999, noNaN: true }), fc.double({ min: 0, max: 0.999, noNaN: true }), fc.integer({ min: 0, max: 99 }), (user, r1, r2, percent) => {
        const key = { source: 'header' as const, name: 'x-user' };
        const req = { ...get, headers: { 'x-user': user } };
        const a = isSampledIn({ samplePercent: percent, sampleKey: key }, req, r1);
        expect(isSampledIn({ samplePercent: percent, sampleKey: key }, req, r2)).toBe(a);
        if (a) expect(isSampledIn({ samplePercent: percent + 1, sampleKey: key }, req, r1)).toBe(true);
      }),
    );
  });

  it('reads the key from the query string, and falls back to the draw when the key is absent', () => {
    const key = { source: 'query' as const, name: 'user' };
    const bucket = fnv1a32('alice') % 10_000;
    expect(isSampledIn({ samplePercent: (bucket + 1) / 100, sampleKey: key }, { ...get, query: 'user=alice' }, 0.99)).toBe(true);
    expect(isSampledIn({ samplePercent: bucket / 100, sampleKey: key }, { ...get, query: 'user=alice' }, 0)).toBe(false);
    expect(isSampledIn({ samplePercent: 50, sampleKey: key }, get, 0.1)).toBe(true);
    expect(isSampledIn({ samplePercent: 50, sampleKey: key }, get, 0.9)).toBe(false);
  });

  it('spreads keys evenly: 10k user ids at 30% put 27..33% in', () => {
    let inCount = 0;
    for (let i = 0; i < 10_000; i++) if (isSampledIn({ samplePercent: 30, sampleKey: { source: 'header', name: 'u' } }, { ...get, headers: { u: `user-${i}` } }, 0)) inCount++;
    expect(inCount).toBeGreaterThan(2700);
    expect(inCount).toBeLessThan(3300);
  });
});

describe('compilePathGlobs', () => {
  const excluded = compilePathGlobs(['/health', '/login', '/admin/*', '/*.css']);
  it.each([
    ['/health', true],
    ['/healthz', false],
    ['/login', true],
    ['/admin/users/1', true],
    ['/admin', false],
    ['/site/main.css', true],
    ['/a.b', false],
  ])('%s -> %s', (path, expected) => expect(excluded(path)).toBe(expected));
  it('treats regular-expression characters literally', () => {
    expect(compilePathGlobs(['/a.(b)'])('/a.(b)')).toBe(true);
    expect(compilePathGlobs(['/a.(b)'])('/aX(b)')).toBe(false);
  });
  it('excludes nothing when the list is empty', () => expect(compilePathGlobs([])('/x')).toBe(false));
});

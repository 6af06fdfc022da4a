import fc from 'fast-check';
import { evaluate, parseRule } from '../../analysis/gate';
import { RecentIds } from '../../analysis/input';
import { DIFFY_THRESHOLDS, isRealDifference } from '../../analysis/noise';
import { parseInstant, UsageError } from '../../analysis/time';
import { LatencyHistogram } from '../../analysis/aggregate';
import type { Report } from '../../analysis/report';

describe('gate rules', () => {
  it.each([
    ['mismatch_rate>0.01', { metric: 'mismatch_rate', threshold: 0.01 }],
    ['mismatch_rate>1%', { metric: 'mismatch_rate', threshold: 0.01 }],
    ['users:p99_ratio>1.5', { route: 'users', metric: 'p99_ratio', threshold: 1.5 }],
    ['high>0', { metric: 'high', threshold: 0 }],
  ])('parses %s', (text, expected) => expect(parseRule(text)).toEqual({ text, ...expected }));

  it.each(['mismatch>1', 'mismatch_rate<1', 'mismatch_rate>', 'p99_ratio>abc'])('rejects %s', (text) => {
    expect(() => parseRule(text)).toThrow(UsageError);
  });

  const report = {
    totals: { events: 100, outcomes: { match: 90, mismatch: 5, candidate_error: 3, candidate_timeout: 2, reference_error: 0, skipped: 0 }, mismatchRate: 0.05, highSeverityEvents: 1, latency: { reference: { count: 1 }, candidate: { count: 1 }, p99Ratio: 1.2 } },
    routes: [{ name: 'users', mismatchRate: 0.1, errorRate: 0, timeoutRate: 0, highSeverityEvents: 1, latency: { p99Ratio: 2 } }],
  } as unknown as Report;

  it('compares overall and per-route values strictly above the threshold', () => {
    expect(evaluate(report, [parseRule('mismatch_rate>0.05')]).passed).toBe(true);
    expect(evaluate(report, [parseRule('mismatch_rate>0.04')]).failures).toEqual([{ rule: 'mismatch_rate>0.04', actual: 0.05, threshold: 0.04 }]);
    expect(evaluate(report, [parseRule('error_rate>0.02')]).passed).toBe(false);
    expect(evaluate(report, [parseRule('users:p99_ratio>1.5')]).failures[0]).toMatchObject({ route: 'users', actual: 2 });
    expect(evaluate(report, [parseRule('nosuchroute:mismatch_rate>0')]).passed).toBe(true);
  });
});

describe('time windows', () => {
  const now = Date.parse('2026-11-21T12:00:00Z');
  it.each([
    ['15m', now - 15 * 60_000],
    ['2h', now - 7_200_000],
    ['7d', now - 7 * 86_400_000],
    ['2026-11-21T10:00:00Z', Date.parse('2026-11-21T10:00:00Z')],
  ])('%s', (text, expected) => expect(parseInstant(text, now)).toBe(expected));
  it('rejects anything else', () => expect(() => parseInstant('yesterday', now)).toThrow(UsageError));
});

describe('Diffy noise thresholds', () => {
  it.each([
    [0.5, 0, true],
    [0.1, 0.09, false],
    [0.2, 0.1, true],
    [0.0002, 0, false],
    [1, 1, false],
  ])('candidate %d vs secondary %d -> real %s', (c, s, real) => expect(isRealDifference(c, s, DIFFY_THRESHOLDS)).toBe(real));
});

describe('RecentIds', () => {
  it('remembers exactly the last n ids (property)', () => {
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 0, max: 30 }).map(String), { maxLength: 200 }), fc.integer({ min: 1, max: 20 }), (ids, size) => {
        const recent = new RecentIds(size);
        const window: string[] = [];
        for (const id of ids) {
          expect(recent.seen(id)).toBe(window.includes(id));
          if (!window.includes(id)) {
            window.push(id);
            if (window.length > size) window.shift();
          }
        }
      }),
    );
  });
});

describe('LatencyHistogram', () => {
  it('gives percentiles within 0.1% of the exact ones (property)', () => {
    fc.assert(
      fc.property(fc.array(fc.double({ min: 0.01, max: 60_000, noNaN: true }), { minLength: 1, maxLength: 300 }), fc.constantFrom(50, 95, 99), (values, p) => {
        const h = new LatencyHistogram();
        for (const v of values) h.record(v);
        const sorted = [...values].map((v) => Math.max(0.001, Math.round(v * 1000) / 1000)).sort((a, b) => a - b);
        // The rank HDR uses: the count at the percentile rounded up, guarding against a 1-ulp overshoot.
        const count = (p / 100) * sorted.length;
        const exact = sorted[Math.max(1, Math.ceil(count - Number.EPSILON * count)) - 1]!;
        expect(Math.abs(h.percentile(p)! - exact)).toBeLessThanOrEqual(exact * 0.001 + 0.001);
      }),
    );
  });
});

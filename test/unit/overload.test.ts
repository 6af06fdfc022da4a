import fc from 'fast-check';
import { MIN_ADMIT_RATIO, nextAdmitRatio, OverloadGuard } from '../../src/shadow/overload';
import { eventually } from '../helpers/proxy';

const ratio = fc.double({ min: MIN_ADMIT_RATIO, max: 1, noNaN: true });
const share = fc.double({ min: 0, max: 1, noNaN: true });
const limit = fc.double({ min: 0.05, max: 0.99, noNaN: true });

describe('nextAdmitRatio', () => {
  it('stays within [MIN_ADMIT_RATIO, 1] whatever it is fed', () => {
    fc.assert(
      fc.property(ratio, share, limit, fc.nat(1000), (r, utilization, max, started) => {
        const next = nextAdmitRatio(r, utilization, max, started);
        expect(next).toBeGreaterThanOrEqual(MIN_ADMIT_RATIO);
        expect(next).toBeLessThanOrEqual(1);
      }),
    );
  });

  it('shrinks above the limit while shadows run, and grows back at or below it', () => {
    fc.assert(
      fc.property(ratio, share, limit, fc.integer({ min: 1, max: 1000 }), (r, utilization, max, started) => {
        const next = nextAdmitRatio(r, utilization, max, started);
        if (utilization > max) expect(next).toBeLessThanOrEqual(r);
        else expect(next).toBeGreaterThanOrEqual(r);
      }),
    );
  });

  it('keeps the ratio when the loop is busy without shadows (start-up, client traffic alone)', () => {
    fc.assert(fc.property(ratio, limit, (r, max) => expect(nextAdmitRatio(r, 1, max, 0)).toBe(r)));
  });

  it('backs off fast and recovers slowly (AIMD): one bad interval costs several good ones', () => {
    const down = nextAdmitRatio(1, 0.95, 0.6, 10);
    expect(down).toBeCloseTo(0.7);
    let r = down;
    let intervals = 0;
    while (r < 1) {
      r = nextAdmitRatio(r, 0.3, 0.6, 10);
      intervals++;
    }
    expect(intervals).toBe(6);
    // Sustained overload reaches the floor, never zero: some comparisons always go on.
    let floor = 1;
    for (let i = 0; i < 50; i++) floor = nextAdmitRatio(floor, 1, 0.6, 10);
    expect(floor).toBe(MIN_ADMIT_RATIO);
  });
});

describe('OverloadGuard', () => {
  it('admits every request until it has seen an overloaded interval', () => {
    const guard = new OverloadGuard({ maxUtilization: 0.6, shadowsStarted: () => 0 });
    try {
      expect(guard.admitRatio).toBe(1);
      expect(guard.admit(0.999)).toBe(true);
    } finally {
      guard.stop();
    }
  });

  it('admits by the draw once the ratio is below 1', async () => {
    let started = 0;
    const samples: number[] = [];
    const guard = new OverloadGuard({ maxUtilization: 0.1, intervalMs: 20, shadowsStarted: () => started, onSample: (_u, r) => samples.push(r) });
    try {
      // Keep the loop busy with "shadows" starting until the guard has backed off.
      await eventually(
        () => {
          started++;
          const until = performance.now() + 30;
          while (performance.now() < until);
          return guard.admitRatio < 1;
        },
        'the guard to shed',
        5000,
      );
      const r = guard.admitRatio;
      expect(guard.admit(r / 2)).toBe(true);
      expect(guard.admit(Math.min(0.999, r + 0.01))).toBe(false);
      expect(samples.some((s) => s < 1)).toBe(true);
    } finally {
      guard.stop();
    }
  });

  it('never samples or sheds at max_loop_utilization = 1', () => {
    const guard = new OverloadGuard({ maxUtilization: 1, shadowsStarted: () => 1, onSample: () => expect('sampled').toBe('never') });
    expect(guard.admit(0.999)).toBe(true);
    guard.stop();
  });
});

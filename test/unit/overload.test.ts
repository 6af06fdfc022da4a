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

/** Keeps the event loop ~75% busy, with a shadow starting each round, until `done` holds. */
function keepBusyUntil(done: () => boolean, startShadow: () => void, what: string): Promise<void> {
  return eventually(
    () => {
      startShadow();
      const until = performance.now() + 30;
      while (performance.now() < until);
      return done();
    },
    what,
    5000,
  );
}

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
      await keepBusyUntil(() => guard.admitRatio < 1, () => started++, 'the guard to shed');
      const r = guard.admitRatio;
      expect(guard.admit(r / 2)).toBe(true);
      expect(guard.admit(Math.min(0.999, r + 0.01))).toBe(false);
      expect(samples.some((s) => s < 1)).toBe(true);
    } finally {
      guard.stop();
    }
  });

  it('never samples or sheds at max_loop_utilization = 1, under the load that makes a guard shed', async () => {
    let started = 0;
    const samples: number[] = [];
    const off = new OverloadGuard({ maxUtilization: 1, intervalMs: 20, shadowsStarted: () => started, onSample: (_u, r) => samples.push(r) });
    // The control: a guard with a low limit, fed the same busy loop, must shed.
    const control = new OverloadGuard({ maxUtilization: 0.1, intervalMs: 20, shadowsStarted: () => started });
    try {
      await keepBusyUntil(() => control.admitRatio < 1, () => started++, 'the control guard to shed');
      expect(samples).toEqual([]);
      expect(off.admitRatio).toBe(1);
      expect(off.admit(0.999)).toBe(true);
    } finally {
      off.stop();
      control.stop();
    }
  });
});

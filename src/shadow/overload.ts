// Sheds shadows before they slow production. The proxy's event loop serves clients and runs the
// shadow path; when it gets busy, the share of requests admitted to shadowing shrinks, and grows
// back once there is room (AIMD, like TCP's congestion window). Clients never wait for a shadow.
import { performance } from 'node:perf_hooks';

/** The smallest share still shadowed under overload, so a comparison signal never stops entirely. */
export const MIN_ADMIT_RATIO = 0.01;
const DECREASE = 0.7;
const INCREASE = 0.05;

/**
 * The next admission ratio from the last one and one interval's facts. Pure: multiplicative
 * decrease above the limit while shadows were part of the load, additive increase below it. A
 * loop busy with no shadows started (start-up, client traffic alone) keeps the ratio: shedding
 * shadows would not relieve it.
 */
export function nextAdmitRatio(ratio: number, utilization: number, maxUtilization: number, shadowsStarted: number): number {
  if (utilization <= maxUtilization) return Math.min(1, ratio + INCREASE);
  if (shadowsStarted === 0) return ratio;
  return Math.max(MIN_ADMIT_RATIO, ratio * DECREASE);
}

export interface OverloadGuardOptions {
  /** Event-loop utilisation (0..1) above which shadows are shed; 1 never sheds. */
  readonly maxUtilization: number;
  readonly intervalMs?: number;
  /** How many shadows have started so far (a running count). */
  readonly shadowsStarted: () => number;
  /** Called after every interval with the measured utilisation and the new ratio (metrics). */
  readonly onSample?: (utilization: number, ratio: number) => void;
}

export class OverloadGuard {
  private ratio = 1;
  private last = performance.eventLoopUtilization();
  private lastStarted = 0;
  private readonly timer?: NodeJS.Timeout;

  constructor(private readonly options: OverloadGuardOptions) {
    if (options.maxUtilization >= 1) return;
    this.timer = setInterval(() => this.sample(), options.intervalMs ?? 100);
    this.timer.unref();
  }

  /** The share of shadowable requests currently admitted. */
  get admitRatio(): number {
    return this.ratio;
  }

  /** One draw: true when this request may be shadowed. */
  admit(draw = Math.random()): boolean {
    return this.ratio >= 1 || draw < this.ratio;
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
  }

  private sample(): void {
    const now = performance.eventLoopUtilization();
    const { utilization } = performance.eventLoopUtilization(now, this.last);
    this.last = now;
    const started = this.options.shadowsStarted();
    this.ratio = nextAdmitRatio(this.ratio, utilization, this.options.maxUtilization, started - this.lastStarted);
    this.lastStarted = started;
    this.options.onSample?.(utilization, this.ratio);
  }
}

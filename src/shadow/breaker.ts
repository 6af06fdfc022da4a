// A circuit breaker per candidate: after `threshold` consecutive connection failures the candidate
// is not called for `coolDownMs`; then one call probes it, and a success closes the breaker. A dead
// candidate then costs production nothing, and the skips are counted (reason "candidate_down").

export type BreakerState = 'closed' | 'open' | 'half_open';

export class Breaker {
  private failures = 0;
  private openedAt = 0;
  private probing = false;

  constructor(
    private readonly threshold = 5,
    private readonly coolDownMs = 5_000,
    private readonly now: () => number = Date.now,
  ) {}

  get state(): BreakerState {
    if (this.failures < this.threshold) return 'closed';
    return this.now() - this.openedAt >= this.coolDownMs ? 'half_open' : 'open';
  }

  /** May a call go out now? In half-open state only one probe at a time. */
  allow(): boolean {
    const state = this.state;
    if (state === 'closed') return true;
    if (state === 'open' || this.probing) return false;
    this.probing = true;
    return true;
  }

  success(): void {
    this.failures = 0;
    this.probing = false;
  }

  /** Only failures that say the candidate is unreachable count; a slow answer is not "down". */
  failure(): void {
    this.probing = false;
    this.failures++;
    if (this.failures >= this.threshold) this.openedAt = this.now();
  }
}

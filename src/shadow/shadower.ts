// The background path: candidate calls under an in-flight cap, and hand-over of each completed
// pair to the exchange handler. Nothing here is awaited by the client's response.
import { randomUUID } from 'node:crypto';
import type { Dispatcher } from 'undici';
import type { Metrics } from '../admin/metrics';
import type { RoutePlan } from '../config/resolve';
import type { Logger } from '../log';
import { ROLE_HEADER, type Role } from '../proxy/headers';
import { classifyError, upstreamPath } from '../proxy/upstream';
import { readCapped } from '../util/body';
import { InFlight } from '../util/in-flight';
import { Breaker } from './breaker';
import type { CapturedRequest, ExchangeHandler, UpstreamResult } from './exchange';
import type { SkipReason } from './policy';

export interface ShadowerOptions {
  readonly agent: Dispatcher;
  readonly metrics: Metrics;
  readonly logger: Logger;
  readonly maxInFlight: number;
  readonly onExchange: ExchangeHandler;
  /** True while comparisons are queueing up: new shadows are refused so the proxy keeps its CPU. */
  readonly isBacklogged?: () => boolean;
  /** Sheds a share of shadows while the event loop is too busy to take them on. */
  readonly overload?: { admit(): boolean };
}

/** Connection-level failures: the candidate is unreachable, not merely slow or wrong. */
const UNREACHABLE = new Set(['refused', 'dns', 'reset', 'tls']);

export class Shadower {
  private readonly inFlight = new InFlight();
  private readonly breakers = new Map<string, Breaker>();
  private startedCount = 0;

  constructor(private readonly options: ShadowerOptions) {}

  /** Reserves a slot for one shadowed request, or returns undefined (and counts the drop) when full. */
  begin(route: RoutePlan, params: Readonly<Record<string, string>>): ShadowJob | undefined {
    if (this.options.overload && !this.options.overload.admit()) {
      this.skip(route.name, 'overloaded');
      return undefined;
    }
    if (this.inFlight.size >= this.options.maxInFlight) {
      this.skip(route.name, 'in_flight_full');
      return undefined;
    }
    if (this.options.isBacklogged?.()) {
      this.skip(route.name, 'compare_backlog');
      return undefined;
    }
    if (route.candidate && !this.breakerFor(route.candidate).allow()) {
      this.skip(route.name, 'candidate_down');
      return undefined;
    }
    this.inFlight.enter();
    this.startedCount++;
    this.options.metrics.shadowInFlight.inc();
    return new ShadowJob(this, route, params);
  }

  /** Shadows begun since start (a running count, for the overload guard). */
  get started(): number {
    return this.startedCount;
  }

  private breakerFor(target: URL): Breaker {
    let breaker = this.breakers.get(target.origin);
    if (!breaker) this.breakers.set(target.origin, (breaker = new Breaker()));
    return breaker;
  }

  skip(route: string, reason: SkipReason): void {
    this.options.metrics.shadowSkipped.inc({ route, reason });
  }

  /** Waits for every shadow call and handler to finish, up to the deadline. */
  drain(timeoutMs: number): Promise<boolean> {
    return this.inFlight.idle(timeoutMs);
  }

  /** @internal used by ShadowJob */
  release(): void {
    this.inFlight.leave();
    this.options.metrics.shadowInFlight.dec();
  }

  /** @internal used by ShadowJob */
  async call(role: Role, route: RoutePlan, target: URL, request: CapturedRequest, maxBytes: number): Promise<UpstreamResult> {
    const url = `${target.origin}${upstreamPath(target, request.path, '')}`;
    const started = performance.now();
    const { metrics } = this.options;
    try {
      const response = await this.options.agent.request({
        origin: target.origin,
        path: upstreamPath(target, request.path, request.query),
        method: request.method as Dispatcher.HttpMethod,
        // One copy: the captured headers, this upstream's Host unless the client's is kept, the role.
        headers: route.hostHeader === 'preserve' ? { ...request.headers, [ROLE_HEADER]: role } : { ...request.headers, host: target.host, [ROLE_HEADER]: role },
        body: request.body.length > 0 ? request.body : null,
        // Phase timeouts rather than an AbortSignal per call: same protection, no timer object per request.
        headersTimeout: route.shadow.timeoutMs,
        bodyTimeout: route.shadow.timeoutMs,
      });
      const body = await readCapped(response.body, maxBytes);
      const latencyMs = performance.now() - started;
      if (role === 'candidate') this.breakerFor(target).success();
      metrics.upstreamDuration.observe({ role, route: route.name }, latencyMs / 1000);
      if (body === undefined) {
        metrics.upstreamErrors.inc({ role, route: route.name, reason: 'response_too_large' });
        return { url, latencyMs, error: { code: 'response_too_large', message: `response body exceeded ${maxBytes} bytes` } };
      }
      return { url, latencyMs, response: { status: response.statusCode, headers: response.headers, body } };
    } catch (err) {
      const error = classifyError(err);
      metrics.upstreamErrors.inc({ role, route: route.name, reason: error.code });
      if (role === 'candidate') {
        const breaker = this.breakerFor(target);
        if (UNREACHABLE.has(error.code)) breaker.failure();
        else breaker.success();
      }
      return { url, latencyMs: performance.now() - started, error };
    }
  }

  /** @internal used by ShadowJob */
  async deliver(job: ShadowJob, request: CapturedRequest, reference: UpstreamResult, calls: ShadowCalls): Promise<void> {
    const [candidate, secondary] = await Promise.all([calls.candidate, calls.secondary]);
    const { metrics } = this.options;
    const result = candidate.response ? 'response' : candidate.error?.code === 'timeout' ? 'timeout' : 'error';
    metrics.shadowed.inc({ route: job.route.name, result });
    try {
      await this.options.onExchange({
        id: randomUUID(),
        startedAt: job.startedAt,
        route: { name: job.route.name, pattern: job.route.pattern.source, params: job.params },
        request,
        reference,
        candidate,
        ...(secondary ? { secondary } : {}),
      });
    } catch (err) {
      metrics.exchangeHandlerErrors.inc();
      this.options.logger.error({ route: job.route.name, err: { message: (err as Error)?.message } }, 'processing a shadow exchange failed');
    }
  }
}

interface ShadowCalls {
  readonly candidate: Promise<UpstreamResult>;
  readonly secondary: Promise<UpstreamResult | undefined>;
}

/** One shadowed request: its candidate call may start before or after the reference answers. */
export class ShadowJob {
  readonly startedAt = new Date();
  private calls?: ShadowCalls;
  private request?: CapturedRequest;
  private settled = false;

  constructor(
    private readonly shadower: Shadower,
    readonly route: RoutePlan,
    readonly params: Readonly<Record<string, string>>,
  ) {}

  /** The request as forwarded to the reference; must be set before the candidate can start. */
  capture(request: CapturedRequest): void {
    this.request = request;
  }

  /** Starts the candidate call, and the secondary's when the route has one. */
  startCandidate(): void {
    const { request, route } = this;
    if (this.calls || !request || !route.candidate) return;
    const call = (role: Role, target: URL) => this.shadower.call(role, route, target, request, route.shadow.maxResponseBytes);
    this.calls = {
      candidate: call('candidate', route.candidate),
      secondary: route.secondary ? call('secondary', route.secondary) : Promise.resolve(undefined),
    };
  }


  /** The reference has answered (or failed): compare once the candidate has too. */
  complete(reference: UpstreamResult): void {
    if (this.settled) return;
    this.settled = true;
    this.startCandidate();
    const { request, calls } = this;
    if (!calls || !request) return this.finish();
    this.shadower.deliver(this, request, reference, calls).finally(() => this.finish());
  }

  /** The pair cannot be compared (client went away, body too large, ...): count it and let go. */
  abandon(reason: SkipReason): void {
    if (this.settled) return;
    this.settled = true;
    this.shadower.skip(this.route.name, reason);
    // A candidate already under way keeps its slot until it ends, so the cap stays honest.
    if (this.calls) Promise.all([this.calls.candidate, this.calls.secondary]).finally(() => this.finish());
    else this.finish();
  }

  private finish(): void {
    this.shadower.release();
  }
}

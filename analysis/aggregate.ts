// Streaming aggregation of diff events into per-route statistics. Memory is bounded: latencies go
// into HDR histograms (fixed size, 3 significant digits), exemplars are a reservoir of a few per
// path, and the number of distinct paths kept per route is capped (the rest are counted).
import * as hdr from 'hdr-histogram-js';
import type { DiffEvent, Outcome } from '../src/events/types';
import type { Severity } from '../src/diff/types';

export const OUTCOMES: readonly Outcome[] = ['match', 'mismatch', 'candidate_error', 'candidate_timeout', 'reference_error', 'skipped'];
const SEVERITY_RANK: Record<Severity, number> = { low: 0, medium: 1, high: 2 };

export interface Exemplar {
  event: DiffEvent;
  path: string;
  reference?: unknown;
  candidate?: unknown;
}

export interface PathStats {
  readonly normalizedPath: string;
  readonly kind: string;
  severity: Severity;
  /** Events with this difference (noise or not). */
  count: number;
  /** Events where every occurrence was marked noise by shadowdiff. */
  noiseCount: number;
  /** Events with a secondary where this path also differed between the two references. */
  secondaryCount: number;
  seen: number;
  exemplars: Exemplar[];
}

export class LatencyHistogram {
  private readonly histogram = hdr.build({ lowestDiscernibleValue: 1, highestTrackableValue: 3_600_000_000, numberOfSignificantValueDigits: 3, useWebAssembly: false });

  /** Records milliseconds (kept as microseconds). */
  record(ms: number): void {
    this.histogram.recordValue(Math.max(1, Math.min(3_600_000_000, Math.round(ms * 1000))));
  }

  get count(): number {
    return this.histogram.totalCount;
  }

  /** Milliseconds at the percentile, within the histogram's 0.1% relative error; undefined when empty. */
  percentile(p: number): number | undefined {
    return this.count === 0 ? undefined : this.histogram.getValueAtPercentile(p) / 1000;
  }

  add(other: LatencyHistogram): void {
    this.histogram.add(other.histogram);
  }
}

export class RouteStats {
  events = 0;
  readonly outcomes: Record<Outcome, number> = { match: 0, mismatch: 0, candidate_error: 0, candidate_timeout: 0, reference_error: 0, skipped: 0 };
  highSeverityEvents = 0;
  eventsWithSecondary = 0;
  readonly reference = new LatencyHistogram();
  readonly candidate = new LatencyHistogram();
  readonly statuses = new Map<string, number>();
  readonly paths = new Map<string, PathStats>();
  droppedPaths = 0;

  constructor(readonly name: string) {}
}

export interface AggregateOptions {
  readonly exemplarsPerPath: number;
  readonly maxPathsPerRoute: number;
  /** Seed for reservoir sampling, so a report is repeatable. */
  readonly seed: number;
}

export class Aggregator {
  readonly routes = new Map<string, RouteStats>();
  readonly overallReference = new LatencyHistogram();
  readonly overallCandidate = new LatencyHistogram();
  private readonly random: () => number;

  constructor(private readonly options: AggregateOptions = { exemplarsPerPath: 2, maxPathsPerRoute: 5000, seed: 1 }) {
    this.random = mulberry32(options.seed);
  }

  add(event: DiffEvent): void {
    let route = this.routes.get(event.route.name);
    if (!route) this.routes.set(event.route.name, (route = new RouteStats(event.route.name)));
    route.events++;
    route.outcomes[event.outcome] = (route.outcomes[event.outcome] ?? 0) + 1;
    if (event.summary.high > 0) route.highSeverityEvents++;
    if (event.reference.error === undefined) {
      route.reference.record(event.reference.latencyMs);
      this.overallReference.record(event.reference.latencyMs);
    }
    if (event.candidate.error === undefined) {
      route.candidate.record(event.candidate.latencyMs);
      this.overallCandidate.record(event.candidate.latencyMs);
    }
    const statusKey = `${event.reference.status ?? event.reference.error?.code ?? '-'} ${event.candidate.status ?? event.candidate.error?.code ?? '-'}`;
    route.statuses.set(statusKey, (route.statuses.get(statusKey) ?? 0) + 1);

    const secondary = event.secondaryDifferences !== undefined;
    if (secondary) route.eventsWithSecondary++;
    const secondaryPaths = new Set((event.secondaryDifferences ?? []).map((d) => `${d.normalizedPath}\u0000${d.kind}`));

    // One count per event and path, however many array elements differ there.
    const perPath = new Map<string, { first: DiffEvent['differences'][number]; allNoise: boolean; severity: Severity }>();
    for (const d of event.differences) {
      const key = `${d.normalizedPath}\u0000${d.kind}`;
      const seen = perPath.get(key);
      if (!seen) perPath.set(key, { first: d, allNoise: d.noise, severity: d.severity });
      else {
        seen.allNoise &&= d.noise;
        if (SEVERITY_RANK[d.severity] > SEVERITY_RANK[seen.severity]) seen.severity = d.severity;
      }
    }
    for (const [key, { first, allNoise, severity }] of perPath) {
      let stats = route.paths.get(key);
      if (!stats) {
        if (route.paths.size >= this.options.maxPathsPerRoute) {
          route.droppedPaths++;
          continue;
        }
        stats = { normalizedPath: first.normalizedPath, kind: first.kind, severity, count: 0, noiseCount: 0, secondaryCount: 0, seen: 0, exemplars: [] };
        route.paths.set(key, stats);
      }
      stats.count++;
      if (allNoise) stats.noiseCount++;
      if (SEVERITY_RANK[severity] > SEVERITY_RANK[stats.severity]) stats.severity = severity;
      if (secondaryPaths.has(key)) stats.secondaryCount++;
      this.sample(stats, { event, path: first.path, reference: first.reference, candidate: first.candidate });
    }
    // Paths that differed only between the references still matter for the noise rates.
    for (const key of secondaryPaths) {
      if (perPath.has(key)) continue;
      const stats = route.paths.get(key);
      if (stats) stats.secondaryCount++;
    }
  }

  /** Reservoir sampling (Algorithm R): every occurrence has the same chance to be shown. */
  private sample(stats: PathStats, exemplar: Exemplar): void {
    stats.seen++;
    if (stats.exemplars.length < this.options.exemplarsPerPath) {
      stats.exemplars.push(exemplar);
      return;
    }
    const j = Math.floor(this.random() * stats.seen);
    if (j < this.options.exemplarsPerPath) stats.exemplars[j] = exemplar;
  }
}

function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

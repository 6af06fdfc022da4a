// The report: a stable, documented JSON shape (shadowdiff.report/v1) built from an Aggregator.
// Every output format renders this one object.
import { curlFor } from './curl';
import { OUTCOMES, type Aggregator, type LatencyHistogram, type RouteStats } from './aggregate';
import { isRealDifference, type NoiseThresholds } from './noise';
import type { Outcome } from '../src/events/types';

export interface InputCounts {
  read: number;
  duplicates: number;
  unknownSchema: number;
  corrupt: number;
  filteredOut: number;
}

export interface Latency {
  count: number;
  p50?: number;
  p95?: number;
  p99?: number;
}

export interface PathReport {
  path: string;
  kind: string;
  severity: string;
  count: number;
  /** count / route events */
  share: number;
  /** Events where shadowdiff marked every occurrence as noise, over count. */
  noiseShare: number;
  /** Rate of this path between the two references, when the route has a secondary. */
  secondaryRate?: number;
  verdict: 'real' | 'noise';
  exemplars: {
    eventId: string;
    traceId: string;
    path: string;
    reference?: unknown;
    candidate?: unknown;
    curl: { reference: string; candidate: string };
  }[];
}

export interface RouteReport {
  name: string;
  events: number;
  outcomes: Record<Outcome, number>;
  mismatchRate: number;
  errorRate: number;
  timeoutRate: number;
  highSeverityEvents: number;
  latency: { reference: Latency; candidate: Latency; p50Ratio?: number; p99Ratio?: number };
  statuses: { reference: string; candidate: string; count: number }[];
  paths: PathReport[];
  noisePaths: PathReport[];
  /** Distinct paths beyond the per-route cap, counted but not listed. */
  unlistedPaths: number;
}

export interface GateFailure {
  rule: string;
  route?: string;
  actual: number;
  threshold: number;
}

export interface Report {
  schema: 'shadowdiff.report/v1';
  generatedAt: string;
  source: Record<string, unknown>;
  input: InputCounts;
  totals: {
    events: number;
    outcomes: Record<Outcome, number>;
    mismatchRate: number;
    highSeverityEvents: number;
    latency: { reference: Latency; candidate: Latency; p99Ratio?: number };
  };
  routes: RouteReport[];
  gate?: { passed: boolean; failures: GateFailure[] };
}

export interface ReportOptions {
  readonly top: number;
  readonly thresholds: NoiseThresholds;
  readonly source: Record<string, unknown>;
  readonly now?: Date;
}

const rate = (n: number, d: number) => (d === 0 ? 0 : n / d);
const round = (n: number | undefined, digits = 3) => (n === undefined ? undefined : Math.round(n * 10 ** digits) / 10 ** digits);

function latency(h: LatencyHistogram): Latency {
  const out: Latency = { count: h.count };
  if (h.count > 0) {
    out.p50 = round(h.percentile(50));
    out.p95 = round(h.percentile(95));
    out.p99 = round(h.percentile(99));
  }
  return out;
}

function ratio(a: number | undefined, b: number | undefined): number | undefined {
  return a === undefined || b === undefined || a === 0 ? undefined : round(b / a);
}

export function buildReport(aggregator: Aggregator, input: InputCounts, options: ReportOptions): Report {
  const routes = [...aggregator.routes.values()].sort((a, b) => b.events - a.events || a.name.localeCompare(b.name)).map((r) => routeReport(r, options));
  const outcomes = Object.fromEntries(OUTCOMES.map((o) => [o, routes.reduce((n, r) => n + r.outcomes[o], 0)])) as Record<Outcome, number>;
  const events = routes.reduce((n, r) => n + r.events, 0);
  const reference = latency(aggregator.overallReference);
  const candidate = latency(aggregator.overallCandidate);
  const p99Ratio = ratio(reference.p99, candidate.p99);
  return {
    schema: 'shadowdiff.report/v1',
    generatedAt: (options.now ?? new Date()).toISOString(),
    source: options.source,
    input,
    totals: {
      events,
      outcomes,
      mismatchRate: round(rate(outcomes.mismatch, events), 6)!,
      highSeverityEvents: routes.reduce((n, r) => n + r.highSeverityEvents, 0),
      latency: { reference, candidate, ...(p99Ratio !== undefined ? { p99Ratio } : {}) },
    },
    routes,
  };
}

function routeReport(route: RouteStats, options: ReportOptions): RouteReport {
  const reference = latency(route.reference);
  const candidate = latency(route.candidate);
  const all: PathReport[] = [...route.paths.values()].map((p) => {
    const share = rate(p.count, route.events);
    const secondaryRate = route.eventsWithSecondary > 0 ? rate(p.secondaryCount, route.eventsWithSecondary) : undefined;
    const verdict =
      secondaryRate !== undefined ? (isRealDifference(share, secondaryRate, options.thresholds) ? 'real' : 'noise') : p.noiseCount === p.count ? 'noise' : 'real';
    return {
      path: p.normalizedPath,
      kind: p.kind,
      severity: p.severity,
      count: p.count,
      share: round(share, 6)!,
      noiseShare: round(rate(p.noiseCount, p.count), 6)!,
      ...(secondaryRate !== undefined ? { secondaryRate: round(secondaryRate, 6)! } : {}),
      verdict,
      exemplars: p.exemplars.map(({ event, path, reference, candidate }) => ({
        eventId: event.id,
        traceId: event.traceId,
        path,
        ...(reference !== undefined ? { reference } : {}),
        ...(candidate !== undefined ? { candidate } : {}),
        curl: { reference: curlFor(event, event.reference.url, 'reference'), candidate: curlFor(event, event.candidate.url, 'candidate') },
      })),
    };
  });
  const rank = { high: 2, medium: 1, low: 0 } as Record<string, number>;
  const byCount = (a: PathReport, b: PathReport) => b.count - a.count || (rank[b.severity] ?? 0) - (rank[a.severity] ?? 0) || (a.path < b.path ? -1 : a.path > b.path ? 1 : 0) || (a.kind < b.kind ? -1 : 1);
  const p50Ratio = ratio(reference.p50, candidate.p50);
  const p99Ratio = ratio(reference.p99, candidate.p99);
  return {
    name: route.name,
    events: route.events,
    outcomes: { ...route.outcomes },
    mismatchRate: round(rate(route.outcomes.mismatch, route.events), 6)!,
    errorRate: round(rate(route.outcomes.candidate_error, route.events), 6)!,
    timeoutRate: round(rate(route.outcomes.candidate_timeout, route.events), 6)!,
    highSeverityEvents: route.highSeverityEvents,
    latency: { reference, candidate, ...(p50Ratio !== undefined ? { p50Ratio } : {}), ...(p99Ratio !== undefined ? { p99Ratio } : {}) },
    statuses: [...route.statuses.entries()]
      .map(([key, count]) => {
        const [reference, candidate] = key.split(' ') as [string, string];
        return { reference, candidate, count };
      })
      .sort((a, b) => b.count - a.count),
    paths: all.filter((p) => p.verdict === 'real').sort(byCount).slice(0, options.top),
    noisePaths: all.filter((p) => p.verdict === 'noise').sort(byCount).slice(0, options.top),
    unlistedPaths: route.droppedPaths,
  };
}

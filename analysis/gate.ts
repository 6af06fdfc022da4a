// --fail-on rules: `[route:]metric>threshold`, e.g. mismatch_rate>0.01, users:p99_ratio>1.5, high>0.
// Rates accept a fraction (0.01) or a percentage (1%).
import type { GateFailure, Report, RouteReport } from './report';
import { UsageError } from './time';

export const GATE_METRICS = ['mismatch_rate', 'error_rate', 'timeout_rate', 'high', 'p99_ratio'] as const;
type Metric = (typeof GATE_METRICS)[number];

export interface GateRule {
  readonly text: string;
  readonly route?: string;
  readonly metric: Metric;
  readonly threshold: number;
}

export function parseRule(text: string): GateRule {
  const m = /^(?:([^:>]+):)?([a-z0-9_]+)\s*>\s*([0-9.]+)(%?)$/.exec(text.trim());
  if (!m || !(GATE_METRICS as readonly string[]).includes(m[2]!)) {
    throw new UsageError(`--fail-on "${text}": expected [route:]metric>number with metric one of ${GATE_METRICS.join(', ')}`);
  }
  const value = Number(m[3]);
  if (Number.isNaN(value)) throw new UsageError(`--fail-on "${text}": "${m[3]}" is not a number`);
  return { text, ...(m[1] ? { route: m[1] } : {}), metric: m[2] as Metric, threshold: m[4] ? value / 100 : value };
}

function routeValue(route: RouteReport, metric: Metric): number | undefined {
  switch (metric) {
    case 'mismatch_rate':
      return route.mismatchRate;
    case 'error_rate':
      return route.errorRate;
    case 'timeout_rate':
      return route.timeoutRate;
    case 'high':
      return route.highSeverityEvents;
    case 'p99_ratio':
      return route.latency.p99Ratio;
  }
}

export function evaluate(report: Report, rules: readonly GateRule[]): { passed: boolean; failures: GateFailure[] } {
  const failures: GateFailure[] = [];
  for (const rule of rules) {
    if (rule.route) {
      const route = report.routes.find((r) => r.name === rule.route);
      const actual = route && routeValue(route, rule.metric);
      if (actual !== undefined && actual > rule.threshold) failures.push({ rule: rule.text, route: rule.route, actual, threshold: rule.threshold });
      continue;
    }
    const t = report.totals;
    const events = t.events;
    const overall: Record<Metric, number | undefined> = {
      mismatch_rate: t.mismatchRate,
      error_rate: events === 0 ? 0 : t.outcomes.candidate_error / events,
      timeout_rate: events === 0 ? 0 : t.outcomes.candidate_timeout / events,
      high: t.highSeverityEvents,
      p99_ratio: t.latency.p99Ratio,
    };
    const actual = overall[rule.metric];
    if (actual !== undefined && actual > rule.threshold) failures.push({ rule: rule.text, actual, threshold: rule.threshold });
  }
  return { passed: failures.length === 0, failures };
}

// Terminal report: tables, colour only when the output is a terminal.
import Table from 'cli-table3';
import { createColors } from 'picocolors';
import type { Report } from '../report';
import { ms, percent, times, value } from './format';

export function renderTable(report: Report, useColor: boolean): string {
  const c = createColors(useColor);
  const style = { head: useColor ? ['cyan'] : [], border: useColor ? ['grey'] : [] };
  const out: string[] = [];
  const t = report.totals;
  out.push(c.bold(`shadowdiff report: ${t.events} events, mismatch rate ${percent(t.mismatchRate)}, ${t.highSeverityEvents} with high-severity differences`));
  const outcomes = new Table({ head: ['outcome', 'events'], style });
  for (const [outcome, n] of Object.entries(t.outcomes)) if (n > 0) outcomes.push([outcome, String(n)]);
  out.push(outcomes.toString());

  const routes = new Table({ head: ['route', 'events', 'mismatch', 'errors', 'timeouts', 'ref p50/p95/p99 ms', 'cand p50/p95/p99 ms', 'p99 ratio'], style });
  for (const r of report.routes) {
    const rate = r.mismatchRate > 0 ? c.red(percent(r.mismatchRate)) : c.green(percent(r.mismatchRate));
    const lat = (l: typeof r.latency.reference) => `${ms(l.p50)} / ${ms(l.p95)} / ${ms(l.p99)}`;
    routes.push([r.name, String(r.events), rate, percent(r.errorRate), percent(r.timeoutRate), lat(r.latency.reference), lat(r.latency.candidate), times(r.latency.p99Ratio)]);
  }
  out.push(routes.toString());

  for (const r of report.routes) {
    if (r.paths.length === 0 && r.noisePaths.length === 0) continue;
    out.push(c.bold(`\n${r.name}: top differing paths`));
    const paths = new Table({ head: ['path', 'kind', 'severity', 'count', 'share', 'noise', 'example (reference → candidate)'], style, wordWrap: true });
    for (const p of r.paths) {
      const ex = p.exemplars[0];
      const sev = p.severity === 'high' ? c.red(p.severity) : p.severity === 'medium' ? c.yellow(p.severity) : p.severity;
      paths.push([p.path || '(body)', p.kind, sev, String(p.count), percent(p.share), percent(p.noiseShare), ex ? `${value(ex.reference, 30)} → ${value(ex.candidate, 30)}` : '']);
    }
    if (r.paths.length > 0) out.push(paths.toString());
    const first = r.paths[0]?.exemplars[0];
    if (first) out.push(c.dim(`reproduce: ${first.curl.reference}\n           ${first.curl.candidate}`));
    if (r.noisePaths.length > 0) out.push(c.dim(`noise (not counted as differences): ${r.noisePaths.map((p) => `${p.path} ${p.kind} ${percent(p.share)}`).join(', ')}`));
    const statuses = r.statuses.filter((s) => s.reference !== s.candidate);
    if (statuses.length > 0) out.push(`status changes: ${statuses.map((s) => `${s.reference}→${s.candidate} ×${s.count}`).join(', ')}`);
  }
  const input = report.input;
  const skipped = [input.duplicates && `${input.duplicates} duplicates`, input.unknownSchema && `${input.unknownSchema} of unknown schema`, input.corrupt && `${input.corrupt} corrupt`]
    .filter(Boolean)
    .join(', ');
  if (skipped) out.push(c.dim(`\nskipped: ${skipped}`));
  return out.join('\n') + '\n';
}

// Markdown report, for a pull-request comment.
import type { Report } from '../report';
import { ms, percent, times, value } from './format';

const cell = (text: string) => text.replace(/\|/g, '\\|').replace(/\n/g, ' ');

export function renderMarkdown(report: Report): string {
  const t = report.totals;
  const lines: string[] = [];
  const verdict = report.gate ? (report.gate.passed ? '✅ gate passed' : '❌ gate failed') : '';
  lines.push(`### shadowdiff: ${t.events} requests compared, mismatch rate ${percent(t.mismatchRate)} ${verdict}`.trim(), '');
  lines.push('| route | events | mismatch | errors | timeouts | ref p99 ms | cand p99 ms | p99 ratio |', '| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |');
  for (const r of report.routes) {
    lines.push(`| ${cell(r.name)} | ${r.events} | ${percent(r.mismatchRate)} | ${percent(r.errorRate)} | ${percent(r.timeoutRate)} | ${ms(r.latency.reference.p99)} | ${ms(r.latency.candidate.p99)} | ${times(r.latency.p99Ratio)} |`);
  }
  for (const r of report.routes) {
    if (r.paths.length === 0) continue;
    lines.push('', `#### ${cell(r.name)}: top differing paths`, '', '| path | kind | severity | count | share | example |', '| --- | --- | --- | ---: | ---: | --- |');
    for (const p of r.paths) {
      const ex = p.exemplars[0];
      lines.push(`| \`${cell(p.path || '(body)')}\` | ${p.kind} | ${p.severity} | ${p.count} | ${percent(p.share)} | ${ex ? cell(`${value(ex.reference, 40)} → ${value(ex.candidate, 40)}`) : ''} |`);
    }
    if (r.noisePaths.length > 0) lines.push('', `Noise: ${r.noisePaths.map((p) => `\`${cell(p.path)}\``).join(', ')}`);
  }
  if (report.gate && !report.gate.passed) {
    lines.push('', '**Gate failures**', '');
    for (const f of report.gate.failures) lines.push(`- \`${f.rule}\`: ${f.actual} > ${f.threshold}`);
  }
  return lines.join('\n') + '\n';
}

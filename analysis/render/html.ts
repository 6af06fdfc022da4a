// One self-contained HTML file: inline CSS and SVG charts, no scripts, no network. Opens offline.
import type { Report } from '../report';
import { ms, percent, times, value } from './format';

const esc = (text: string) => text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');

interface Bar {
  label: string;
  values: { value: number; color: string; title: string }[];
}

/** Horizontal bar chart; several values per bar are drawn as grouped bars. */
function barChart(id: string, title: string, bars: Bar[], format: (v: number) => string, legend: { label: string; color: string }[] = []): string {
  const rowHeight = 18;
  const group = Math.max(1, ...bars.map((b) => b.values.length));
  const height = bars.length * (rowHeight * group + 10) + 30;
  const max = Math.max(1e-9, ...bars.flatMap((b) => b.values.map((v) => v.value)));
  const width = 720;
  const labelWidth = 220;
  const plot = width - labelWidth - 90;
  let y = 24;
  const rows = bars.map((bar) => {
    const parts = [`<text x="${labelWidth - 8}" y="${y + (rowHeight * group) / 2 + 4}" text-anchor="end">${esc(bar.label)}</text>`];
    bar.values.forEach((v, i) => {
      const w = Math.max(1, (v.value / max) * plot);
      const top = y + i * rowHeight;
      parts.push(`<rect class="bar" x="${labelWidth}" y="${top}" width="${w.toFixed(1)}" height="${rowHeight - 4}" fill="${v.color}"><title>${esc(v.title)}</title></rect>`);
      parts.push(`<text x="${labelWidth + w + 6}" y="${top + rowHeight - 7}">${esc(format(v.value))}</text>`);
    });
    y += rowHeight * group + 10;
    return parts.join('');
  });
  const key = legend.map((l) => `<tspan fill="${l.color}"> ■ </tspan><tspan>${esc(l.label)}</tspan>`).join('');
  return `<figure><svg id="${id}" class="chart" role="img" aria-label="${esc(title)}" viewBox="0 0 ${width} ${height}" width="${width}" height="${height}" xmlns="http://www.w3.org/2000/svg"><text class="title" x="0" y="14">${esc(title)}${key}</text>${rows.join('')}</svg></figure>`;
}

export function renderHtml(report: Report): string {
  const t = report.totals;
  const mismatch = barChart(
    'chart-mismatch',
    'Mismatch rate by route',
    report.routes.map((r) => ({ label: r.name, values: [{ value: r.mismatchRate, color: r.mismatchRate > 0 ? '#d9534f' : '#5cb85c', title: `${r.outcomes.mismatch} of ${r.events}` }] })),
    percent,
  );
  const topPaths = report.routes.flatMap((r) => r.paths.map((p) => ({ route: r.name, ...p }))).sort((a, b) => b.count - a.count).slice(0, 15);
  const paths = barChart(
    'chart-paths',
    'Top differing paths (events)',
    topPaths.map((p) => ({ label: `${p.route} ${p.path || '(body)'} ${p.kind}`, values: [{ value: p.count, color: p.severity === 'high' ? '#d9534f' : p.severity === 'medium' ? '#f0ad4e' : '#5bc0de', title: `${p.severity}, ${percent(p.share)} of requests` }] })),
    (v) => String(v),
  );
  const latency = barChart(
    'chart-latency',
    'p99 latency (ms):',
    report.routes.map((r) => ({
      label: r.name,
      values: [
        { value: r.latency.reference.p99 ?? 0, color: '#337ab7', title: `reference p99 ${ms(r.latency.reference.p99)} ms` },
        { value: r.latency.candidate.p99 ?? 0, color: '#9b59b6', title: `candidate p99 ${ms(r.latency.candidate.p99)} ms` },
      ],
    })),
    (v) => `${ms(v)} ms`,
    [
      { label: 'reference', color: '#337ab7' },
      { label: 'candidate', color: '#9b59b6' },
    ],
  );
  const routeRows = report.routes
    .map(
      (r) =>
        `<tr><td>${esc(r.name)}</td><td>${r.events}</td><td class="${r.mismatchRate > 0 ? 'bad' : 'good'}">${percent(r.mismatchRate)}</td><td>${percent(r.errorRate)}</td><td>${percent(r.timeoutRate)}</td><td>${ms(r.latency.reference.p50)} / ${ms(r.latency.reference.p99)}</td><td>${ms(r.latency.candidate.p50)} / ${ms(r.latency.candidate.p99)}</td><td>${times(r.latency.p99Ratio)}</td></tr>`,
    )
    .join('');
  const details = report.routes
    .filter((r) => r.paths.length + r.noisePaths.length > 0)
    .map((r) => {
      const rows = r.paths
        .map((p) => {
          const ex = p.exemplars[0];
          return `<tr><td><code>${esc(p.path || '(body)')}</code></td><td>${p.kind}</td><td class="sev-${p.severity}">${p.severity}</td><td>${p.count}</td><td>${percent(p.share)}</td><td>${ex ? `<code>${esc(value(ex.reference))}</code> → <code>${esc(value(ex.candidate))}</code><details><summary>reproduce</summary><pre>${esc(ex.curl.reference)}\n${esc(ex.curl.candidate)}</pre></details>` : ''}</td></tr>`;
        })
        .join('');
      const noise = r.noisePaths.length ? `<p class="noise">Noise: ${r.noisePaths.map((p) => `<code>${esc(p.path)}</code> (${percent(p.share)})`).join(', ')}</p>` : '';
      return `<h3>${esc(r.name)}</h3><table><thead><tr><th>path</th><th>kind</th><th>severity</th><th>events</th><th>share</th><th>example</th></tr></thead><tbody>${rows}</tbody></table>${noise}`;
    })
    .join('');
  const gate = report.gate
    ? `<p class="${report.gate.passed ? 'good' : 'bad'}">${report.gate.passed ? 'Gate passed' : `Gate failed: ${report.gate.failures.map((f) => esc(`${f.rule} (${f.actual} > ${f.threshold})`)).join('; ')}`}</p>`
    : '';
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>shadowdiff report</title>
<style>
body{font:14px/1.45 system-ui,sans-serif;margin:2rem auto;max-width:980px;color:#222}
table{border-collapse:collapse;margin:.5rem 0 1.5rem;width:100%}td,th{border-bottom:1px solid #ddd;padding:4px 8px;text-align:left;vertical-align:top}
th{background:#f5f5f5}.good{color:#2e7d32}.bad{color:#c62828;font-weight:600}.sev-high{color:#c62828}.sev-medium{color:#b26a00}
code,pre{font:12px ui-monospace,monospace}pre{white-space:pre-wrap;background:#f7f7f7;padding:6px}.chart text{font:12px system-ui,sans-serif}.chart .title{font-weight:600}
.noise{color:#666}figure{margin:1rem 0}
</style></head><body>
<h1>shadowdiff report</h1>
<p>${t.events} requests compared · mismatch rate <strong>${percent(t.mismatchRate)}</strong> · ${t.highSeverityEvents} with high-severity differences · generated ${esc(report.generatedAt)}</p>
${gate}
<table><thead><tr><th>route</th><th>events</th><th>mismatch</th><th>errors</th><th>timeouts</th><th>ref p50 / p99 ms</th><th>cand p50 / p99 ms</th><th>p99 ratio</th></tr></thead><tbody>${routeRows}</tbody></table>
${mismatch}
${paths}
${latency}
<h2>Differences by route</h2>
${details}
</body></html>
`;
}

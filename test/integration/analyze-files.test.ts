// shadowdiff-analyze over NDJSON fixtures whose aggregates are known exactly.
import { readFileSync } from 'node:fs';
import { spawn } from 'node:child_process';
import { ANALYZE_CLI } from '../helpers/cli';
import { diff, makeEvent, writeNdjson } from '../helpers/events';
import type { Report } from '../../analysis/report';

interface Result {
  code: number | null;
  stdout: string;
  stderr: string;
}

function analyze(args: string[], stdin?: string): Promise<Result> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [ANALYZE_CLI, ...args], { env: { ...process.env, SHADOWDIFF_KAFKA_BROKERS: '' } });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c) => (stdout += c));
    child.stderr.on('data', (c) => (stderr += c));
    child.on('close', (code) => resolve({ code, stdout, stderr }));
    child.stdin.end(stdin ?? '');
  });
}

// users: 10 events, latencies 1..10 ms (reference) and 2..20 ms (candidate): 6 match, 3 mismatch, 1 candidate_error.
// orders: 4 events, all match. Plus one duplicate, one corrupt line and one event of an unknown schema.
function fixture(): string {
  const users = Array.from({ length: 10 }, (_, i) => {
    const n = i + 1;
    if (n <= 6) return makeEvent({ route: 'users', referenceMs: n, candidateMs: 2 * n });
    if (n <= 9)
      return makeEvent({
        route: 'users',
        referenceMs: n,
        candidateMs: 2 * n,
        candidateStatus: n === 9 ? 500 : 200,
        differences: [diff('/items/0/price', 'value', 'medium'), diff('/items/1/price', 'value', 'medium'), ...(n === 9 ? [diff('/id', 'type', 'high'), diff('@status', 'status', 'high')] : [])],
      });
    return makeEvent({ route: 'users', outcome: 'candidate_error', referenceMs: n, candidateMs: 1 });
  });
  const orders = Array.from({ length: 4 }, () => makeEvent({ route: 'orders', referenceMs: 3, candidateMs: 3 }));
  const unknown = { ...makeEvent(), schema: 'shadowdiff.diff-event/v9' };
  return writeNdjson([...users, users[7]!, ...orders, '{"not json', unknown]);
}

describe('shadowdiff-analyze report (files)', () => {
  const file = fixture();

  it('computes exact counts, rates, percentiles and top paths', async () => {
    const { code, stdout, stderr } = await analyze(['report', '--format', 'json', file]);
    expect(code).toBe(0);
    const report = JSON.parse(stdout) as Report;
    expect(report.input).toEqual({ read: 17, duplicates: 1, unknownSchema: 1, corrupt: 1, filteredOut: 0 });
    expect(stderr).toContain('unknown schema "shadowdiff.diff-event/v9"');
    expect(report.totals).toMatchObject({ events: 14, mismatchRate: 3 / 14 > 0 ? Math.round((3 / 14) * 1e6) / 1e6 : 0, highSeverityEvents: 1 });
    expect(report.totals.outcomes).toEqual({ match: 10, mismatch: 3, candidate_error: 1, candidate_timeout: 0, reference_error: 0, skipped: 0 });

    const users = report.routes.find((r) => r.name === 'users')!;
    expect(users).toMatchObject({ events: 10, mismatchRate: 0.3, errorRate: 0.1, timeoutRate: 0, highSeverityEvents: 1 });
    // HDR histogram, 3 significant digits: within 0.1% of the exact percentile.
    expect(users.latency.reference.p50).toBeCloseTo(5, 2);
    expect(users.latency.reference.p99).toBeCloseTo(10, 1);
    expect(users.latency.candidate.p50).toBeCloseTo(10, 1);
    expect(users.latency.candidate.count).toBe(9);
    expect(users.latency.p99Ratio).toBeCloseTo(1.8, 2);

    // One count per event, however many array elements differ there.
    expect(users.paths.map((p) => [p.path, p.kind, p.severity, p.count, p.share])).toEqual([
      ['/items/*/price', 'value', 'medium', 3, 0.3],
      ['/id', 'type', 'high', 1, 0.1],
      ['@status', 'status', 'high', 1, 0.1],
    ]);
    const exemplar = users.paths[0]!.exemplars[0]!;
    expect(exemplar.curl.reference).toBe("curl -sS -i 'http://ref:8000/users/1?a=1' -H 'accept: application/json' -H 'authorization: [redacted:0123456789]' -H 'x-shadow-test-role: reference'");
    expect(exemplar.curl.candidate).toContain("'http://cand:8000/users/1?a=1'");
    expect(users.paths[0]!.exemplars).toHaveLength(2);
    expect(users.statuses).toEqual(expect.arrayContaining([{ reference: '200', candidate: '500', count: 1 }, { reference: '200', candidate: 'reset', count: 1 }]));
  });

  it('scores noise Diffy-style when events carry a secondary comparison', async () => {
    const events = Array.from({ length: 100 }, (_, i) =>
      makeEvent({
        route: 'feed',
        differences: [diff('/ts', 'value', 'medium', { noise: true, noiseReason: 'secondary' }), ...(i < 50 ? [diff('/score', 'value', 'medium')] : []), ...(i < 10 ? [diff('/rank', 'value', 'medium')] : [])],
        secondaryDifferences: [{ path: '/ts' }, ...(i < 9 ? [{ path: '/rank' }] : [])],
      }),
    );
    const { stdout } = await analyze(['report', '--format', 'json', writeNdjson(events)]);
    const feed = (JSON.parse(stdout) as Report).routes[0]!;
    // /score: 50% against the candidate, 0% between references -> real.
    expect(feed.paths.map((p) => p.path)).toEqual(['/score']);
    // /ts: 100% vs 100% -> noise. /rank: 10% vs 9%: under the 20% relative threshold -> noise.
    expect(feed.noisePaths.map((p) => [p.path, p.secondaryRate])).toEqual([
      ['/ts', 1],
      ['/rank', 0.09],
    ]);
    const stricter = JSON.parse((await analyze(['report', '--format', 'json', '--noise-relative', '0.05', writeNdjson(events)])).stdout) as Report;
    expect(stricter.routes[0]!.paths.map((p) => p.path)).toEqual(['/score', '/rank']);
  });

  it('gates: exit 1 with the reason last when a threshold is exceeded, 0 when not', async () => {
    const failing = await analyze(['report', '--format', 'markdown', '--fail-on', 'mismatch_rate>10%', '--fail-on', 'orders:mismatch_rate>0', file]);
    expect(failing.code).toBe(1);
    expect(failing.stderr.trim().split('\n').pop()).toBe('shadowdiff-analyze: gate failed: mismatch_rate>10% (actual 0.214286, threshold 0.1)');
    expect(failing.stdout).toContain('❌ gate failed');
    const passing = await analyze(['report', '--fail-on', 'mismatch_rate>0.5', '--fail-on', 'users:p99_ratio>2', file]);
    expect(passing.code).toBe(0);
    expect(passing.stderr).toContain('gate passed');
    const high = await analyze(['report', '--fail-on', 'high>0', file]);
    expect(high.code).toBe(1);
  });

  it.each([
    [['report', '--fail-on', 'mismatch>1', 'x.ndjson'], 'expected [route:]metric>number'],
    [['report', '--format', 'pdf', 'x.ndjson'], "argument 'pdf' is invalid"],
    [['report', '--since', 'yesterday', 'x.ndjson'], 'neither a timestamp'],
    [['report'], 'nothing to read'],
    [['tail', '--follow', 'x.ndjson'], '--follow reads Kafka'],
  ])('exits 2 for usage errors: %j', async (args, message) => {
    const { code, stderr } = await analyze(args);
    expect(code).toBe(2);
    expect(stderr).toContain(message);
  });

  it('renders junit with one test case per route, failing over the threshold', async () => {
    const { stdout } = await analyze(['report', '--format', 'junit', '--fail-on', 'mismatch_rate>0.2', file]);
    expect(stdout).toContain('<testsuites name="shadowdiff" tests="2" failures="1">');
    expect(stdout).toMatch(/<testcase classname="shadowdiff.routes" name="users"><failure message="mismatch_rate&gt;0.2: 0.3 &gt; 0.2">/);
    expect(stdout).toMatch(/<testcase classname="shadowdiff.routes" name="orders"><system-out>/);
  });

  it('renders a self-contained HTML file with its three charts', async () => {
    const { stdout } = await analyze(['report', '--format', 'html', file]);
    for (const id of ['chart-mismatch', 'chart-paths', 'chart-latency']) expect(stdout).toContain(`id="${id}"`);
    // Nothing to fetch: no scripts, no external stylesheets, images or fonts.
    expect(stdout).not.toMatch(/<script|<link|(src|href)="https?:|url\(/);
  });

  it('renders the terminal table without colour when not on a terminal', async () => {
    const { stdout } = await analyze(['report', file]);
    expect(stdout).toContain('shadowdiff report: 14 events, mismatch rate 21.43%');
    expect(stdout).toContain('/items/*/price');
    expect(stdout).not.toContain('\u001b[');
  });

  it('filters by route, outcome and time window', async () => {
    const events = [makeEvent({ timestamp: '2026-11-21T09:00:00Z' }), makeEvent({ timestamp: '2026-11-21T10:30:00Z' }), makeEvent({ route: 'x', timestamp: '2026-11-21T10:30:00Z' })];
    const path = writeNdjson(events);
    const windowed = JSON.parse((await analyze(['report', '--format', 'json', '--since', '2026-11-21T10:00:00Z', '--route', 'users', path])).stdout) as Report;
    expect(windowed.totals.events).toBe(1);
    expect(windowed.input.filteredOut).toBe(2);
    const onlyMismatch = JSON.parse((await analyze(['report', '--format', 'json', '--outcome', 'mismatch', file])).stdout) as Report;
    expect(onlyMismatch.totals.events).toBe(3);
  });

  it('reads stdin, tails one line per event, and exports CSV rows per difference', async () => {
    const text = readFileSync(file, 'utf8');
    const tail = await analyze(['tail', '--outcome', 'mismatch', '-'], text);
    const lines = tail.stdout.trim().split('\n');
    expect(lines).toHaveLength(3);
    expect(lines[2]).toBe('2026-11-21T10:00:00.000Z users GET /users/1 mismatch 200/500 /items/0/price(value) /items/1/price(value) /id(type) +1');
    const csv = await analyze(['export', '--format', 'csv', file]);
    const rows = csv.stdout.trim().split('\n');
    expect(rows[0]).toBe('event_id,timestamp,route,method,path,outcome,reference_status,candidate_status,diff_path,normalized_path,kind,severity,noise,noise_reason,reference_value,candidate_value');
    expect(rows).toHaveLength(1 + 2 + 2 + 4);
    expect(rows[1]).toMatch(/,users,GET,\/users\/1,mismatch,200,200,\/items\/0\/price,\/items\/\*\/price,value,medium,false,,1,2$/);
    const ndjson = await analyze(['export', file]);
    expect(ndjson.stdout.trim().split('\n')).toHaveLength(14);
  });

  it('reads the outbox format too', async () => {
    const event = makeEvent();
    const outbox = writeNdjson([JSON.stringify({ k: 'users', h: { id: event.id }, v: JSON.stringify(event) })]);
    const report = JSON.parse((await analyze(['report', '--format', 'json', outbox])).stdout) as Report;
    expect(report.totals.events).toBe(1);
  });
});

#!/usr/bin/env node
// Memory and speed of `shadowdiff-analyze report` on large NDJSON streams: generates N synthetic
// events (default 100k, 300k, 1M), runs the report on each in a fresh process, and prints events/s
// and peak RSS. Flat peak RSS across sizes is the point. `npm run bench:analyze [sizes...]`;
// BENCH_NODE_FLAGS="--max-old-space-size=64" caps the heap to show the live set stays small.
'use strict';
const { spawnSync } = require('node:child_process');
const { createWriteStream, mkdtempSync, rmSync, statSync } = require('node:fs');
const { tmpdir } = require('node:os');
const { join } = require('node:path');
const { randomUUID } = require('node:crypto');

const sizes = process.argv.slice(2).map(Number).filter(Boolean);
const SIZES = sizes.length ? sizes : [100_000, 300_000, 1_000_000];
const ROUTES = ['users', 'orders', 'search', 'cart', 'profile'];

function event(i) {
  const route = ROUTES[i % ROUTES.length];
  const mismatch = i % 7 === 0;
  const differences = mismatch
    ? [{ path: `/items/${i % 20}/price`, normalizedPath: '/items/*/price', kind: 'value', reference: i, candidate: i + 1, severity: 'medium', noise: false }]
    : [];
  return {
    schema: 'shadowdiff.diff-event/v1',
    id: randomUUID(),
    timestamp: new Date(1_763_700_000_000 + i).toISOString(),
    traceId: '4bf92f3577b34da6a3ce929d0e0e4736',
    route: { name: route, pattern: `/${route}/{id}`, params: { id: String(i) } },
    request: { method: 'GET', path: `/${route}/${i}`, query: '', body: { size: 0, sha256: 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855' } },
    reference: { url: `http://ref/${route}/${i}`, latencyMs: 1 + (i % 100) / 10, status: 200 },
    candidate: { url: `http://cand/${route}/${i}`, latencyMs: 1.2 + (i % 120) / 10, status: 200 },
    outcome: mismatch ? 'mismatch' : 'match',
    bodyFormat: 'json',
    differences,
    summary: { differences: differences.length, noise: 0, high: 0, medium: differences.length, low: 0 },
    truncated: false,
  };
}

async function generate(file, n) {
  const out = createWriteStream(file);
  for (let i = 0; i < n; i++) {
    if (!out.write(`${JSON.stringify(event(i))}\n`)) await new Promise((r) => out.once('drain', r));
  }
  await new Promise((r) => out.end(r));
}

async function main() {
  const dir = mkdtempSync(join(tmpdir(), 'shadowdiff-bench-'));
  const cli = join(__dirname, '..', 'dist', 'analysis', 'cli.js');
  const rssProbe = join(__dirname, 'peak-rss.js');
  console.log('| events | file MB | seconds | events/s | peak RSS MB |');
  console.log('| ---: | ---: | ---: | ---: | ---: |');
  try {
    for (const n of SIZES) {
      const file = join(dir, `${n}.ndjson`);
      await generate(file, n);
      const started = process.hrtime.bigint();
      const run = spawnSync(process.execPath, [...(process.env.BENCH_NODE_FLAGS ? process.env.BENCH_NODE_FLAGS.split(' ') : []), '--require', rssProbe, cli, 'report', '--format', 'json', file], { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
      const seconds = Number(process.hrtime.bigint() - started) / 1e9;
      if (run.status !== 0) throw new Error(run.stderr);
      const report = JSON.parse(run.stdout);
      if (report.totals.events !== n) throw new Error(`expected ${n} events, report has ${report.totals.events}`);
      const peak = Number(/peak-rss-kb=(\d+)/.exec(run.stderr)[1]) / 1024;
      console.log(`| ${n.toLocaleString('en')} | ${(statSync(file).size / 1e6).toFixed(0)} | ${seconds.toFixed(1)} | ${Math.round(n / seconds).toLocaleString('en')} | ${peak.toFixed(0)} |`);
      rmSync(file);
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});

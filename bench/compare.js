#!/usr/bin/env node
// Comparison cost on 100 KB and 1 MB JSON pairs: median of repeated runs, inline and in a worker.
// Run with `npm run bench:compare` (builds first). Figures are for this machine only; compare
// ratios between rows, not absolute numbers between machines.
'use strict';
const { compareResponses } = require('../dist/src/diff/compare');
const { analyze } = require('../dist/src/events/analyze');
const { AnalysisPool } = require('../dist/src/events/pool');

const rules = { key: 'bench', headers: ['content-type'], ignore: [], arrayKeys: {}, unordered: [], tolerance: { absolute: 0, relative: 0 }, ignoreAdded: false, noise: [] };
const redaction = { headers: [], query: [], jsonPaths: ['/items/*/owner/email'], jsonKeys: ['password'], key: 'ab'.repeat(16) };

function document(targetBytes) {
  const items = [];
  let size = 0;
  for (let i = 0; size < targetBytes; i++) {
    const item = { id: i, sku: `SKU-${i}`, name: `Item number ${i}`, price: Math.round(i * 137) / 100, tags: ['a', 'b', String(i % 7)], owner: { email: `u${i}@example.com` } };
    items.push(item);
    size += JSON.stringify(item).length + 1;
  }
  return { total: items.length, items };
}

function response(value) {
  return { status: 200, headers: { 'content-type': 'application/json' }, body: Buffer.from(JSON.stringify(value)) };
}

function median(values) {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)];
}

function time(fn, runs) {
  fn(); // warm up
  const samples = [];
  for (let i = 0; i < runs; i++) {
    const t = process.hrtime.bigint();
    fn();
    samples.push(Number(process.hrtime.bigint() - t) / 1e6);
  }
  return median(samples);
}

async function timeAsync(fn, runs) {
  await fn();
  const samples = [];
  for (let i = 0; i < runs; i++) {
    const t = process.hrtime.bigint();
    await fn();
    samples.push(Number(process.hrtime.bigint() - t) / 1e6);
  }
  return median(samples);
}

async function main() {
  const pool = new AnalysisPool(1);
  const rows = [];
  for (const [label, bytes, runs] of [['100 KB', 100 * 1024, 40], ['1 MB', 1024 * 1024, 12]]) {
    const reference = document(bytes);
    const changed = structuredClone(reference);
    changed.items[Math.floor(changed.items.length / 2)].price = -1;
    changed.items[3].name = 'renamed';
    const inserted = structuredClone(reference);
    inserted.items.unshift({ id: -1, sku: 'NEW', name: 'new', price: 0, tags: [], owner: { email: 'n@example.com' } });
    const ref = response(reference);
    const same = response(reference);
    const diff = response(changed);
    const ins = response(inserted);
    const input = (candidate, r = rules) => ({ rules: r, redaction, sampleBytes: 2048, request: { body: Buffer.alloc(0), headers: {} }, reference: ref, candidate });
    rows.push([label, 'identical bytes (fast path)', time(() => compareResponses(ref, same, rules), runs)]);
    rows.push([label, '2 changed values', time(() => compareResponses(ref, diff, rules), runs)]);
    rows.push([label, 'insert at front, by index', time(() => compareResponses(ref, ins, rules), runs)]);
    rows.push([label, 'insert at front, keyed by id', time(() => compareResponses(ref, ins, { ...rules, key: 'keyed', arrayKeys: { '/items': 'id' } }), runs)]);
    rows.push([label, 'full analysis (diff + hashes + redacted samples)', time(() => analyze(input(diff)), runs)]);
    rows.push([label, 'full analysis in a worker (round trip)', await timeAsync(() => pool.run(input(diff)), runs)]);
    rows.push([label, 'JSON.parse of one side (for scale)', time(() => JSON.parse(ref.body.toString()), runs)]);
  }
  await pool.close();
  console.log('| body | case | median ms |');
  console.log('| --- | --- | ---: |');
  for (const [label, name, ms] of rows) console.log(`| ${label} | ${name} | ${ms.toFixed(2)} |`);
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});

// Open-loop load: requests are scheduled at a fixed rate whatever the server does, and latency is
// measured from the scheduled send time, so a stalled server shows as latency (no coordinated
// omission). The first two seconds run at the same rate but are not recorded: they open the connections
// and warms the JIT of the generator itself, whose start-up stalls would otherwise be the p99.
//   node bench/openloop.js URL RATE SECONDS [CONNECTIONS]  -> one JSON line
'use strict';
const { Pool } = require('undici');
const hdr = require('hdr-histogram-js');

const [url, rate, seconds, connections] = [process.argv[2], Number(process.argv[3]), Number(process.argv[4]), Number(process.argv[5] ?? 64)];
const target = new URL(url);
const pool = new Pool(target.origin, { connections, pipelining: 1, keepAliveTimeout: 30_000 });
const histogram = hdr.build({ lowestDiscernibleValue: 1, highestTrackableValue: 60_000_000, numberOfSignificantValueDigits: 3, useWebAssembly: false });
let errors = 0;
let done = 0;
const WARMUP_SECONDS = 2;
const warmup = Math.round(rate * WARMUP_SECONDS);
const total = warmup + Math.round(rate * seconds);
const start = performance.now() + 50;
const interval = 1000 / rate;

function fire(scheduled, recorded) {
  pool
    .request({ path: target.pathname + target.search, method: 'GET' })
    .then(async ({ statusCode, body }) => {
      for await (const _ of body);
      if (statusCode >= 500 && recorded) errors++;
    })
    .catch(() => {
      if (recorded) errors++;
    })
    .finally(() => {
      if (recorded) histogram.recordValue(Math.max(1, Math.round((performance.now() - scheduled) * 1000)));
      if (++done === total) finish();
    });
}

let sent = 0;
function tick() {
  const now = performance.now();
  while (sent < total && start + sent * interval <= now) {
    fire(start + sent * interval, sent >= warmup);
    sent++;
  }
  if (sent < total) setTimeout(tick, 1);
}

function finish() {
  const ms = (p) => histogram.getValueAtPercentile(p) / 1000;
  process.stdout.write(`${JSON.stringify({ requests: total - warmup, errors, p50: ms(50), p99: ms(99), p999: ms(99.9), max: histogram.maxValue / 1000 })}\n`);
  pool.close().then(() => process.exit(0));
}

setTimeout(tick, 50);

// Open-loop load: requests are scheduled at a fixed rate whatever the server does, and latency is
// measured from the scheduled send time, so a stalled server shows as latency (no coordinated
// omission).   node bench/openloop.js URL RATE SECONDS [CONNECTIONS]  -> one JSON line
'use strict';
const { Pool } = require('undici');
const hdr = require('hdr-histogram-js');

const [url, rate, seconds, connections] = [process.argv[2], Number(process.argv[3]), Number(process.argv[4]), Number(process.argv[5] ?? 256)];
const target = new URL(url);
const pool = new Pool(target.origin, { connections, pipelining: 1, keepAliveTimeout: 30_000 });
const histogram = hdr.build({ lowestDiscernibleValue: 1, highestTrackableValue: 60_000_000, numberOfSignificantValueDigits: 3, useWebAssembly: false });
let errors = 0;
let done = 0;
const total = Math.round(rate * seconds);
const start = performance.now() + 50;
const interval = 1000 / rate;

function fire(scheduled) {
  pool
    .request({ path: target.pathname + target.search, method: 'GET' })
    .then(async ({ statusCode, body }) => {
      for await (const _ of body);
      if (statusCode >= 500) errors++;
    })
    .catch(() => errors++)
    .finally(() => {
      histogram.recordValue(Math.max(1, Math.round((performance.now() - scheduled) * 1000)));
      if (++done === total) finish();
    });
}

let sent = 0;
function tick() {
  const now = performance.now();
  while (sent < total && start + sent * interval <= now) fire(start + sent++ * interval);
  if (sent < total) setTimeout(tick, 1);
}

function finish() {
  const ms = (p) => histogram.getValueAtPercentile(p) / 1000;
  process.stdout.write(`${JSON.stringify({ requests: total, errors, p50: ms(50), p99: ms(99), p999: ms(99.9), max: histogram.maxValue / 1000 })}\n`);
  pool.close().then(() => process.exit(0));
}

setTimeout(tick, 50);

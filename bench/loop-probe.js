// Preloaded into every Node proxy under test (node -r bench/loop-probe.js ...): measures the
// event loop's delay the same way in each, so the numbers compare side by side. On SIGUSR2 it
// prints one line `loop-probe {"p50":ms,"p99":ms,"max":ms}` to stderr and starts over.
'use strict';
const { monitorEventLoopDelay } = require('node:perf_hooks');

const RESOLUTION_MS = 1;
const histogram = monitorEventLoopDelay({ resolution: RESOLUTION_MS });
histogram.enable();
// The histogram records whole timer intervals; the delay is what exceeds the resolution.
const delayMs = (ns) => Math.max(0, ns / 1e6 - RESOLUTION_MS);
process.on('SIGUSR2', () => {
  const line = { p50: delayMs(histogram.percentile(50)), p99: delayMs(histogram.percentile(99)), max: delayMs(histogram.max) };
  process.stderr.write(`loop-probe ${JSON.stringify(line)}\n`);
  histogram.reset();
});

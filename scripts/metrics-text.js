// Reading shadowdiff's /metrics from scripts (the demo, the benchmark).
'use strict';

/** The sum of one metric's samples, optionally only those whose label text contains `filter`. */
function sumMetric(text, name, filter = '') {
  let sum = 0;
  for (const line of text.split('\n')) {
    // The exact name: followed by labels or by the value, never a longer name sharing the prefix.
    if (!(line.startsWith(`${name}{`) || line.startsWith(`${name} `)) || !line.includes(filter)) continue;
    sum += Number(line.slice(line.lastIndexOf(' ') + 1));
  }
  return sum;
}

async function scrape(adminPort) {
  return (await fetch(`http://127.0.0.1:${adminPort}/metrics`)).text();
}

module.exports = { scrape, sumMetric };

// Preloaded into a measured process: prints its peak resident set size when it exits.
'use strict';
process.on('exit', () => process.stderr.write(`peak-rss-kb=${process.resourceUsage().maxRSS}\n`));

// Benchmark upstreams in one process: a reference and a candidate that differs in a few fields.
// /small (~100 B), /large (~100 KB) and /huge (~1 MB) JSON; the candidate's delay is set at run
// time with GET /__delay?ms=50 on the candidate port.   node bench/upstream.js REF_PORT CAND_PORT
'use strict';
const { createServer } = require('node:http');

function doc(items, variant) {
  return {
    id: 42,
    ok: variant === 'reference',
    items: Array.from({ length: items }, (_, i) => ({ id: i, sku: `SKU-${i}`, name: `Item ${i}`, price: variant === 'candidate' && i === 7 ? 9.99 : i * 1.5, tags: ['a', 'b'] })),
  };
}

function bodies(variant) {
  const make = (value) => Buffer.from(JSON.stringify(value));
  return { '/small': make({ id: 42, ok: variant === 'reference', name: 'shadowdiff' }), '/large': make(doc(1150, variant)), '/huge': make(doc(11800, variant)) };
}

function serve(port, variant) {
  const payload = bodies(variant);
  let delay = 0;
  const server = createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      const path = req.url.split('?')[0];
      if (path === '/__delay') {
        delay = Number(new URL(req.url, 'http://x').searchParams.get('ms') ?? 0);
        res.end('ok');
        return;
      }
      const body = payload[path] ?? payload['/small'];
      const send = () => {
        res.writeHead(200, { 'content-type': 'application/json', 'content-length': body.length });
        res.end(body);
      };
      if (delay > 0) setTimeout(send, delay);
      else send();
    });
  });
  server.keepAliveTimeout = 65_000;
  server.listen(port, '127.0.0.1');
}

serve(Number(process.argv[2]), 'reference');
serve(Number(process.argv[3]), 'candidate');
process.stdout.write('ready\n');

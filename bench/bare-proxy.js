// The yardsticks for shadowdiff, the least a Node proxy can do: node:http + an undici Pool,
// streaming the upstream answer straight to the client. With a MIRROR_URL it also sends each
// request to the mirror once the client has its answer and discards the reply (no diff, no
// Kafka): the ceiling for any Node shadowing proxy on the same core.
//   node bench/bare-proxy.js PORT UPSTREAM_URL [MIRROR_URL]
'use strict';
const { createServer } = require('node:http');
const { Pool } = require('undici');

const [port, upstream, mirrorUrl] = [Number(process.argv[2]), process.argv[3], process.argv[4]];
const pool = new Pool(upstream, { connections: 128, keepAliveTimeout: 30_000 });
const mirror = mirrorUrl ? new Pool(mirrorUrl, { connections: 256, keepAliveTimeout: 30_000 }) : undefined;

function shadow(req) {
  mirror
    .request({ path: req.url, method: req.method, headers: { ...req.headers, 'x-shadow-test-role': 'candidate' } })
    .then(({ body }) => body.dump())
    .catch(() => {});
}

createServer(async (req, res) => {
  try {
    const { statusCode, headers, body } = await pool.request({ path: req.url, method: req.method, headers: req.headers, body: req.method === 'GET' || req.method === 'HEAD' ? null : req });
    delete headers.connection;
    delete headers['keep-alive'];
    delete headers['transfer-encoding'];
    res.writeHead(statusCode, headers);
    body.pipe(res);
    if (mirror) res.once('finish', () => shadow(req));
  } catch {
    res.writeHead(502).end();
  }
}).listen(port, '127.0.0.1', () => process.stdout.write('ready\n'));

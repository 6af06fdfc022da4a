// The yardstick for "shadowing off": the least a Node proxy can do, node:http + an undici Pool,
// streaming the upstream answer straight to the client.   node bench/bare-proxy.js PORT UPSTREAM_URL
'use strict';
const { createServer } = require('node:http');
const { Pool } = require('undici');

const [port, upstream] = [Number(process.argv[2]), process.argv[3]];
const pool = new Pool(upstream, { connections: 128, keepAliveTimeout: 30_000 });
createServer(async (req, res) => {
  try {
    const { statusCode, headers, body } = await pool.request({ path: req.url, method: req.method, headers: req.headers, body: req.method === 'GET' || req.method === 'HEAD' ? null : req });
    delete headers.connection;
    delete headers['keep-alive'];
    delete headers['transfer-encoding'];
    res.writeHead(statusCode, headers);
    body.pipe(res);
  } catch {
    res.writeHead(502).end();
  }
}).listen(port, '127.0.0.1', () => process.stdout.write('ready\n'));

// Two small services for the demo: a reference and a candidate that differ the way real rewrites do.
//   users:  the candidate renames `name` to `fullName`, returns tags in another order, is ~25 ms
//           slower, and stamps every answer with the time (noise the timestamp detector recognises)
//   orders: the candidate returns the total as a string ("12.50") and fails with 500 on every
//           tenth order; item lists are keyed by sku, so their order does not matter
'use strict';
const { createServer } = require('node:http');

function send(res, status, body) {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'content-length': Buffer.byteLength(text) });
  res.end(text);
}

function user(id, role) {
  const n = Number(id.replace(/\D/g, '')) || 0;
  const tags = ['beta', 'staff', 'eu'];
  const base = { id: n, email: `user${n}@example.com`, tags: role === 'candidate' ? [...tags].reverse() : tags, plan: n % 3 === 0 ? 'pro' : 'free', servedAt: new Date().toISOString() };
  return role === 'candidate' ? { ...base, fullName: `User ${n}` } : { ...base, name: `User ${n}` };
}

function order(id, role) {
  const n = Number(id.replace(/\D/g, '')) || 0;
  const items = [
    { sku: `A-${n}`, qty: 1, price: 7.5 },
    { sku: `B-${n}`, qty: 2, price: 2.5 },
  ];
  const total = 12.5;
  return { id: n, status: 'paid', items: role === 'candidate' ? [...items].reverse() : items, total: role === 'candidate' ? total.toFixed(2) : total };
}

function handler(role) {
  return (req, res) => {
    const chunks = [];
    req.on('data', (c) => chunks.push(c));
    req.on('end', () => {
      const path = req.url.split('?')[0];
      const users = /^\/users\/([^/]+)$/.exec(path);
      const orders = /^\/orders\/([^/]+)$/.exec(path);
      if (users) {
        const delay = role === 'candidate' ? 25 : 0;
        return setTimeout(() => send(res, 200, user(users[1], role)), delay);
      }
      if (orders) {
        const n = Number(orders[1].replace(/\D/g, '')) || 0;
        if (role === 'candidate' && n % 10 === 0) return send(res, 500, { error: 'internal', message: 'order service unavailable' });
        if (req.method === 'POST') return send(res, 201, { ...order(orders[1], role), created: true });
        return send(res, 200, order(orders[1], role));
      }
      if (path === '/health') return send(res, 200, { ok: true });
      send(res, 404, { error: 'not_found' });
    });
  };
}

/** Starts both services; resolves to a function that stops them. */
function startServices(referencePort = 9001, candidatePort = 9002, host = '127.0.0.1') {
  const servers = [createServer(handler('reference')), createServer(handler('candidate'))];
  const ports = [referencePort, candidatePort];
  return Promise.all(servers.map((s, i) => new Promise((resolve, reject) => s.once('error', reject).listen(ports[i], host, resolve)))).then(
    () => () => Promise.all(servers.map((s) => new Promise((resolve) => (s.closeAllConnections(), s.close(resolve))))),
  );
}

module.exports = { startServices };

if (require.main === module) {
  startServices(Number(process.env.DEMO_REFERENCE_PORT ?? 9001), Number(process.env.DEMO_CANDIDATE_PORT ?? 9002)).then(() =>
    console.log('demo services: reference on 127.0.0.1:9001, candidate on 127.0.0.1:9002'),
  );
}

#!/usr/bin/env node
// `npm run demo`: the whole loop on one machine. Starts a local Kafka (scripts/kafka.sh, unless
// SHADOWDIFF_KAFKA_BROKERS names one; without Java it falls back to an NDJSON file), the two demo
// services, and shadowdiff with the bundled config.toml; sends a bounded burst of traffic; waits
// until every shadowed request is published; prints the analysis report. Ctrl-C stops everything.
'use strict';
const { spawn, execFileSync } = require('node:child_process');
const { join } = require('node:path');
const { startServices } = require('./services');
const { scrape, sumMetric } = require('../scripts/metrics-text');

const root = join(__dirname, '..');
const requests = Number(process.env.DEMO_REQUESTS ?? 300);
const ports = {
  proxy: Number(process.env.SHADOWDIFF_LISTEN_PORT ?? 8080),
  admin: Number(process.env.SHADOWDIFF_ADMIN_PORT ?? 9090),
  reference: Number(process.env.DEMO_REFERENCE_PORT ?? 9001),
  candidate: Number(process.env.DEMO_CANDIDATE_PORT ?? 9002),
  kafka: Number(process.env.DEMO_KAFKA_PORT ?? 9092),
};
const cleanups = [];
const log = (message) => process.stderr.write(`demo: ${message}\n`);

async function cleanup() {
  while (cleanups.length) await cleanups.pop()().catch(() => undefined);
}

function startKafka() {
  if (process.env.SHADOWDIFF_KAFKA_BROKERS) return process.env.SHADOWDIFF_KAFKA_BROKERS;
  try {
    execFileSync(join(root, 'scripts', 'kafka.sh'), ['start'], { stdio: ['ignore', 'ignore', 'inherit'], env: { ...process.env, KAFKA_PORT: String(ports.kafka) } });
  } catch {
    log('no local Kafka (see the message above): events go to .shadowdiff/demo-events.ndjson instead');
    return undefined;
  }
  cleanups.push(async () => execFileSync(join(root, 'scripts', 'kafka.sh'), ['stop'], { stdio: 'ignore', env: { ...process.env, KAFKA_PORT: String(ports.kafka) } }));
  return `127.0.0.1:${ports.kafka}`;
}

async function metric(name, labels = '') {
  return sumMetric(await scrape(ports.admin), name, labels);
}

async function until(probe, what, ms = 60_000) {
  const deadline = Date.now() + ms;
  while (!(await probe().catch(() => false))) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

async function traffic() {
  const base = `http://127.0.0.1:${ports.proxy}`;
  let sent = 0;
  const one = async (i) => {
    const user = `u${i % 37}`;
    const paths = [`/users/${i % 50}`, `/orders/${Math.floor(i / 2) % 30}`];
    const path = paths[i % 2];
    const method = path.startsWith('/orders') && i % 6 === 1 ? 'POST' : 'GET';
    const res = await fetch(base + path, { method, headers: { 'x-user-id': user, 'content-type': 'application/json' }, ...(method === 'POST' ? { body: JSON.stringify({ sku: 'A-1', qty: 1 }) } : {}) });
    await res.arrayBuffer();
    sent++;
  };
  // A bounded burst: 8 clients in parallel.
  let next = 0;
  await Promise.all(Array.from({ length: 8 }, async () => { while (next < requests) await one(next++); }));
  return sent;
}

async function main() {
  process.on('SIGINT', () => cleanup().then(() => process.exit(130)));
  process.on('SIGTERM', () => cleanup().then(() => process.exit(143)));

  log('building');
  execFileSync('npm', ['run', 'build', '--silent'], { cwd: root, stdio: 'inherit' });
  const brokers = startKafka();
  const topic = `shadowdiff.demo-${Date.now()}`;
  const eventsFile = join(root, '.shadowdiff', `demo-${Date.now()}.ndjson`);

  const stopServices = await startServices(ports.reference, ports.candidate);
  cleanups.push(stopServices);
  log(`demo services on :${ports.reference} (reference) and :${ports.candidate} (candidate)`);

  const env = {
    ...process.env,
    SHADOWDIFF_REFERENCE_URL: `http://127.0.0.1:${ports.reference}`,
    SHADOWDIFF_CANDIDATE_URL: `http://127.0.0.1:${ports.candidate}`,
    SHADOWDIFF_LISTEN_PORT: String(ports.proxy),
    SHADOWDIFF_ADMIN_PORT: String(ports.admin),
    SHADOWDIFF_LOG_LEVEL: 'warn',
    ...(brokers ? { SHADOWDIFF_KAFKA_BROKERS: brokers, SHADOWDIFF_KAFKA_TOPIC: topic } : {}),
  };
  const configPath = demoConfig(eventsFile);
  const proxy = spawn(process.execPath, [join(root, 'dist', 'src', 'cli.js'), '--config', configPath], { cwd: root, env, stdio: ['ignore', 'inherit', 'inherit'] });
  const exited = new Promise((resolve) => proxy.once('exit', resolve));
  cleanups.push(async () => {
    if (proxy.exitCode === null) proxy.kill('SIGTERM');
    await exited;
  });
  await until(async () => (await fetch(`http://127.0.0.1:${ports.admin}/readyz`)).ok, 'shadowdiff to listen', 20_000);
  log(`shadowdiff on :${ports.proxy}, admin on :${ports.admin}; events to ${brokers ? `Kafka ${brokers}, topic ${topic}` : eventsFile}`);

  const sent = await traffic();
  const compared = async () => metric('shadowdiff_diff_events_total');
  const shadowed = async () => metric('shadowdiff_shadow_requests_total');
  await until(async () => (await shadowed()) > 0 && (await compared()) >= (await shadowed()), 'every shadowed request to be compared');
  if (brokers) await until(async () => (await metric('shadowdiff_events_published_total', 'sink="kafka"')) >= (await compared()), 'every event to reach Kafka');
  log(`${sent} requests sent, ${await shadowed()} shadowed and compared; the report:\n`);

  const analyze = [join(root, 'dist', 'analysis', 'cli.js'), 'report', ...(brokers ? ['--brokers', brokers, '--topic', topic] : [eventsFile])];
  execFileSync(process.execPath, analyze, { stdio: 'inherit' });
  log(`try: npm run analyze -- report ${brokers ? `--brokers ${brokers} --topic ${topic}` : eventsFile} --format html -o report.html`);
}

/**
 * The bundled config, with this run's own event file and outbox, so a demo never replays what an
 * earlier run (or a real deployment in this directory) left behind.
 */
function demoConfig(eventsFile) {
  const { readFileSync, writeFileSync, mkdirSync } = require('node:fs');
  mkdirSync(join(root, '.shadowdiff'), { recursive: true });
  const path = join(root, '.shadowdiff', 'demo-config.toml');
  const text = readFileSync(join(root, 'config.toml'), 'utf8')
    .replace('path = ".shadowdiff/events.ndjson"', `path = ${JSON.stringify(eventsFile)}`)
    .replace('outbox_path = ".shadowdiff/outbox.ndjson"', `outbox_path = ${JSON.stringify(eventsFile.replace(/\.ndjson$/, '.outbox.ndjson'))}`)
    // Every planted difference must show up, also on a busy laptop: the demo never sheds shadows.
    .replace('max_loop_utilization = 0.6', 'max_loop_utilization = 1');
  if (text.includes('".shadowdiff/outbox.ndjson"') || text.includes('".shadowdiff/events.ndjson"') || text.includes('max_loop_utilization = 0.6')) {
    throw new Error('config.toml changed: the demo could not give this run its own files and settings');
  }
  writeFileSync(path, text);
  return path;
}

main()
  .then(cleanup)
  .catch(async (err) => {
    log(err.message);
    await cleanup();
    process.exit(1);
  });

#!/usr/bin/env node
// `npm run bench`: shadowdiff against the upstream called directly, a bare node:http + undici
// proxy, nginx proxy_pass and nginx `mirror`, measured side by side in one run on 127.0.0.1.
// Scenarios alternate between targets and repeat (--rounds, default 3); medians are reported.
// Prints a Markdown report and writes bench/results/latest.json. See bench/README.md.
//
// Placement on this 2-core machine: every proxy (shadowdiff, nginx, the bare proxy) on core 0;
// the load generator, the upstreams and Kafka on core 1.
'use strict';
const { spawn, execFileSync } = require('node:child_process');
const { mkdtempSync, writeFileSync, readFileSync, mkdirSync, rmSync, existsSync } = require('node:fs');
const { tmpdir } = require('node:os');
const { join } = require('node:path');
const net = require('node:net');
const { scrape, sumMetric } = require('../scripts/metrics-text');

const root = join(__dirname, '..');
const args = process.argv.slice(2);
const quick = args.includes('--quick');
const ROUNDS = Number(argValue('--rounds') ?? (quick ? 1 : 3));
const SECONDS = Number(argValue('--seconds') ?? (quick ? 3 : 6));
const only = argValue('--only')?.split(',');
const work = mkdtempSync(join(tmpdir(), 'shadowdiff-bench-'));
const children = [];

function argValue(name) {
  const i = args.indexOf(name);
  return i >= 0 ? args[i + 1] : undefined;
}

const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length ? s[Math.floor(s.length / 2)] : NaN;
};
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

async function freePort() {
  return new Promise((resolve) => {
    const s = net.createServer().listen(0, '127.0.0.1', () => {
      const { port } = s.address();
      s.close(() => resolve(port));
    });
  });
}

function ensureTools() {
  const missing = ['nginx', 'wrk'].filter((tool) => !existsOnPath(tool));
  if (missing.length === 0) return;
  console.error(`bench: installing ${missing.join(', ')} from Debian packages`);
  execFileSync('apt-get', ['update', '-qq'], { stdio: 'inherit' });
  execFileSync('apt-get', ['install', '-y', '-qq', ...missing.map((m) => (m === 'nginx' ? 'nginx-light' : m))], { stdio: 'inherit' });
}

function existsOnPath(tool) {
  try {
    execFileSync('sh', ['-c', `command -v ${tool}`], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

const PROBE = join(__dirname, 'loop-probe.js');

/** Starts a long-running process pinned to a core; resolves once it printed `ready` (or at once). */
function startProcess(name, core, command, argv, options = {}) {
  const child = spawn('taskset', ['-c', String(core), command, ...argv], { stdio: ['ignore', 'pipe', 'pipe'], ...options });
  children.push(child);
  let output = '';
  child.stdout.on('data', (c) => (output += c));
  child.stderr.on('data', (c) => (output += c));
  child.on('exit', (code) => {
    if (!child.stopping && code !== 0 && code !== null) console.error(`bench: ${name} exited with ${code}\n${output.slice(-2000)}`);
  });
  const ready = options.waitForReady === false ? Promise.resolve() : new Promise((resolve) => child.stdout.on('data', () => output.includes('ready') && resolve()));
  return { child, ready, output: () => output };
}

/**
 * The event-loop delay (ms: p50, p99, max) a process preloaded with loop-probe.js saw since the
 * last call; the first call only starts the window.
 */
async function loopDelay(proc) {
  const before = proc.output().length;
  proc.child.kill('SIGUSR2');
  const until = Date.now() + 5000;
  for (;;) {
    const line = /loop-probe (\{.*\})/.exec(proc.output().slice(before));
    if (line) return JSON.parse(line[1]);
    if (Date.now() > until) throw new Error('the loop probe did not answer');
    await sleep(20);
  }
}

async function waitForPort(port, ms = 30_000) {
  const until = Date.now() + ms;
  for (;;) {
    const ok = await new Promise((resolve) => {
      const s = net.connect(port, '127.0.0.1', () => (s.destroy(), resolve(true)));
      s.on('error', () => resolve(false));
    });
    if (ok) return;
    if (Date.now() > until) throw new Error(`nothing listens on ${port}`);
    await sleep(100);
  }
}

function procStats(pid) {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
  const cpuTicks = Number(stat[11]) + Number(stat[12]);
  const hwm = /VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return { cpuMs: (cpuTicks * 1000) / 100, peakRssMb: hwm ? Number(hwm[1]) / 1024 : NaN };
}

/** Closed loop: wrk with 64 connections for SECONDS; returns requests per second. */
function wrk(url, seconds = SECONDS) {
  const out = execFileSync('taskset', ['-c', '1', 'wrk', '-t1', '-c64', `-d${seconds}s`, '--latency', url], { encoding: 'utf8' });
  const rps = Number(/Requests\/sec:\s+([\d.]+)/.exec(out)[1]);
  const errors = /Non-2xx or 3xx responses: (\d+)/.exec(out)?.[1] ?? '0';
  return { rps, errors: Number(errors) };
}

function openLoop(url, rate, seconds = SECONDS) {
  const out = execFileSync('taskset', ['-c', '1', process.execPath, join(__dirname, 'openloop.js'), url, String(rate), String(seconds), '64'], { encoding: 'utf8' });
  return JSON.parse(out.trim().split('\n').pop());
}

async function metrics(adminPort) {
  const text = await scrape(adminPort);
  const sum = (name, filter) => sumMetric(text, name, filter);
  return {
    requests: sum('shadowdiff_requests_total'),
    shadowed: sum('shadowdiff_shadow_requests_total'),
    overloaded: sum('shadowdiff_shadow_skipped_total', 'overloaded'),
    compared: sum('shadowdiff_diff_events_total'),
    published: sum('shadowdiff_events_published_total', 'sink="kafka"'),
    dropped: sum('shadowdiff_events_dropped_total') + sum('shadowdiff_shadow_skipped_total', 'in_flight_full'),
  };
}

/**
 * Runs one measured case against a target and adds what the target itself saw: the share of
 * requests shadowed (shadowdiff, from /metrics) and the event-loop delay p99 (probed processes).
 */
async function observe(t, run) {
  const m0 = t.admin ? await metrics(t.admin) : undefined;
  if (t.proc) await loopDelay(t.proc);
  const result = await run();
  if (t.proc) result.loopP99Ms = (await loopDelay(t.proc)).p99;
  if (m0) {
    const m1 = await metrics(t.admin);
    const requests = m1.requests - m0.requests;
    if (requests > 0) result.shadowedPct = (100 * (m1.shadowed - m0.shadowed)) / requests;
  }
  return result;
}

async function main() {
  ensureTools();
  execFileSync('npm', ['run', 'build', '--silent'], { cwd: root, stdio: 'inherit' });
  const ports = { ref: await freePort(), cand: await freePort(), nginx: await freePort(), mirror: await freePort(), bare: await freePort(), sd: await freePort(), sdAdmin: await freePort(), off: await freePort(), offAdmin: await freePort(), down: await freePort() };

  // Kafka, on core 1 with the load.
  const kafkaPort = await freePort();
  const kafkaEnv = { ...process.env, KAFKA_PORT: String(kafkaPort), KAFKA_STATE_DIR: join(work, 'kafka'), KAFKA_HEAP: '512m' };
  execFileSync('taskset', ['-c', '1', join(root, 'scripts', 'kafka.sh'), 'start'], { env: kafkaEnv, stdio: ['ignore', 'ignore', 'inherit'] });
  const stopKafka = () => execFileSync(join(root, 'scripts', 'kafka.sh'), ['stop'], { env: kafkaEnv, stdio: 'ignore' });

  try {
    const upstream = startProcess('upstreams', 1, process.execPath, [join(__dirname, 'upstream.js'), String(ports.ref), String(ports.cand)]);
    await upstream.ready;
    const bare = startProcess('bare proxy', 0, process.execPath, ['-r', PROBE, join(__dirname, 'bare-proxy.js'), String(ports.bare), `http://127.0.0.1:${ports.ref}`]);
    ports.bareMirror = await freePort();
    const bareMirror = startProcess('bare mirror', 0, process.execPath, [join(__dirname, 'bare-proxy.js'), String(ports.bareMirror), `http://127.0.0.1:${ports.ref}`, `http://127.0.0.1:${ports.cand}`]);
    await Promise.all([bare.ready, bareMirror.ready]);
    const nginx = startNginx('nginx', ports.nginx, ports.ref, undefined);
    const mirror = startNginx('nginx-mirror', ports.mirror, ports.ref, ports.cand);
    const shadow = startShadowdiff('shadowdiff', ports.sd, ports.sdAdmin, ports.ref, ports.cand, kafkaPort, true);
    const off = startShadowdiff('shadowdiff-off', ports.off, ports.offAdmin, ports.ref, ports.cand, kafkaPort, false);
    // Two workers cannot gain anything pinned to one core: this one may use both (and competes with the load).
    ports.two = await freePort();
    ports.twoAdmin = await freePort();
    const two = startShadowdiff('shadowdiff-2-workers', ports.two, ports.twoAdmin, ports.ref, ports.cand, kafkaPort, true, { workers: 2, cores: '0,1' });
    await Promise.all([ports.nginx, ports.mirror, ports.sd, ports.off, ports.two].map((p) => waitForPort(p)));
    await sleep(500);

    const targets = {
      direct: { url: (p) => `http://127.0.0.1:${ports.ref}${p}` },
      bare: { url: (p) => `http://127.0.0.1:${ports.bare}${p}`, pid: bare.child.pid, proc: bare },
      'bare-mirror': { url: (p) => `http://127.0.0.1:${ports.bareMirror}${p}`, pid: bareMirror.child.pid },
      nginx: { url: (p) => `http://127.0.0.1:${ports.nginx}${p}`, pid: nginx.child.pid },
      'nginx-mirror': { url: (p) => `http://127.0.0.1:${ports.mirror}${p}`, pid: mirror.child.pid },
      'shadowdiff-off': { url: (p) => `http://127.0.0.1:${ports.off}${p}`, pid: off.child.pid, proc: off },
      shadowdiff: { url: (p) => `http://127.0.0.1:${ports.sd}${p}`, pid: shadow.child.pid, admin: ports.sdAdmin, proc: shadow },
      'shadowdiff-2-workers': { url: (p) => `http://127.0.0.1:${ports.two}${p}`, admin: ports.twoAdmin },
    };
    // Warm up every target (JIT, connection pools) before anything is measured.
    for (const t of Object.values(targets)) for (const body of ['/small', '/large']) wrk(t.url(body), 2);
    const setDelay = (ms) => fetch(`http://127.0.0.1:${ports.cand}/__delay?ms=${ms}`).then((r) => r.text());
    const results = { machine: { cores: require('node:os').availableParallelism(), node: process.version }, rounds: ROUNDS, seconds: SECONDS, scenarios: {} };
    const want = (name) => !only || only.includes(name);

    // 1. Closed-loop maximum throughput.
    if (want('throughput')) {
      for (const body of ['/small', '/large']) {
        const rows = {};
        for (let round = 0; round < ROUNDS; round++) {
          for (const [name, t] of Object.entries(targets)) {
            const before = t.pid ? procStats(t.pid) : undefined;
            const { rps, errors, shadowedPct } = await observe({ admin: t.admin }, () => wrk(t.url(body)));
            const after = t.pid ? procStats(t.pid) : undefined;
            const row = (rows[name] ??= { rps: [], cpuUsPerReq: [], peakRssMb: 0, errors: 0, shadowedPct: [] });
            row.rps.push(rps);
            row.errors += errors;
            if (shadowedPct !== undefined) row.shadowedPct.push(shadowedPct);
            if (before) {
              row.cpuUsPerReq.push(((after.cpuMs - before.cpuMs) * 1000) / (rps * SECONDS));
              row.peakRssMb = Math.max(row.peakRssMb, after.peakRssMb);
            }
            await sleep(300);
          }
        }
        results.scenarios[`throughput ${body}`] = summarize(rows, (r) => median(r.rps));
        report(`Closed-loop throughput, ${body} (req/s, 64 connections)`, results.scenarios[`throughput ${body}`], 'rps');
      }
    }

    // 2. Fixed rate, open loop.
    if (want('rate')) {
      for (const rate of [1000, 3000]) {
        const rows = {};
        for (let round = 0; round < ROUNDS; round++) {
          for (const name of ['direct', 'bare', 'nginx', 'nginx-mirror', 'shadowdiff']) {
            const r = await observe(targets[name], () => openLoop(targets[name].url('/small'), rate));
            addLatency((rows[name] ??= latencyRow()), r);
            // The upstreams share core 1 with the load: let a backlog one target left behind
            // (nginx mirror's candidate calls at 3k req/s) drain before the next is measured.
            await sleep(2000);
          }
        }
        results.scenarios[`rate ${rate}`] = summarize(rows, (r) => median(r.p50));
        report(`Open loop at ${rate} req/s, /small (latency ms from the scheduled send)`, results.scenarios[`rate ${rate}`], 'latency');
      }
    }

    // 3 and 4. Slow and dead candidate at 1k req/s.
    if (want('slow')) {
      const rows = {};
      for (let round = 0; round < ROUNDS; round++) {
        for (const delay of [0, 50, 1000]) {
          await setDelay(delay);
          for (const name of ['nginx-mirror', 'shadowdiff']) {
            const r = await observe(targets[name], () => openLoop(targets[name].url('/small'), 1000));
            addLatency((rows[`${name} candidate ${delay} ms`] ??= latencyRow()), r);
            await sleep(delay >= 1000 ? 1500 : 300);
          }
        }
      }
      await setDelay(0);
      results.scenarios['slow candidate'] = summarize(rows, (r) => median(r.p50));
      const fast = (name) => results.scenarios['slow candidate'][name.replace(/candidate \d+ ms/, 'candidate 0 ms')];
      report('Slow candidate at 1k req/s, /small (client latency ms; base: the same proxy with a fast candidate)', results.scenarios['slow candidate'], 'latency', fast);
    }
    if (want('down')) {
      const downMirror = startNginx('nginx-mirror-down', ports.down, ports.ref, await freePort());
      const downPort = await freePort();
      const downAdmin = await freePort();
      const downShadow = startShadowdiff('shadowdiff-down', downPort, downAdmin, ports.ref, await freePort(), kafkaPort, true);
      await Promise.all([waitForPort(ports.down), waitForPort(downPort)]);
      const rows = {};
      for (let round = 0; round < ROUNDS; round++) {
        for (const [name, port, t] of [
          ['nginx-mirror, candidate down', ports.down, {}],
          ['shadowdiff, candidate down', downPort, { proc: downShadow }],
        ]) {
          const r = await observe(t, () => openLoop(`http://127.0.0.1:${port}/small`, 1000));
          addLatency((rows[name] ??= latencyRow()), r);
        }
      }
      for (const c of [downMirror.child, downShadow.child]) (c.stopping = true), c.kill('SIGTERM');
      results.scenarios['candidate down'] = summarize(rows, (r) => median(r.p50));
      const up = (name) => results.scenarios['slow candidate']?.[name.replace(', candidate down', ' candidate 0 ms')];
      report('Candidate down at 1k req/s, /small (client latency ms; base: the same proxy with a fast candidate)', results.scenarios['candidate down'], 'latency', up);
    }

    // 5. 1 MB JSON pairs at 50 req/s: the event loop stays free because big diffs run in workers.
    // Measured on the bare proxy too: proxying 1 MB bodies costs a Node event loop something by itself.
    if (want('huge')) {
      const rows = {};
      for (let round = 0; round < ROUNDS; round++) {
        for (const name of ['bare', 'shadowdiff-off', 'shadowdiff']) {
          const r = await observe(targets[name], () => openLoop(targets[name].url('/huge'), 50, Math.max(SECONDS, 6)));
          addLatency((rows[name] ??= latencyRow()), r);
        }
      }
      results.scenarios['1 MB pairs'] = summarize(rows, (r) => median(r.p50));
      report('1 MB JSON pairs at 50 req/s (client latency ms; event-loop delay p99 of the proxy; base: bare)', results.scenarios['1 MB pairs'], 'latency', () => results.scenarios['1 MB pairs'].bare);
    }

    // Every shadowed request must reach Kafka.
    await sleep(2000);
    const m = await metrics(ports.sdAdmin);
    results.delivery = { ...m, peakRssMb: procStats(shadow.child.pid).peakRssMb };
    console.log(
      `\n**Delivery (shadowdiff, whole run):** ${m.shadowed} shadowed, ${m.compared} compared, ${m.published} published to Kafka, ${m.dropped} dropped, ${m.overloaded} shed by the overload guard; peak RSS ${results.delivery.peakRssMb.toFixed(0)} MB`,
    );
    mkdirSync(join(__dirname, 'results'), { recursive: true });
    writeFileSync(join(__dirname, 'results', 'latest.json'), JSON.stringify(results, null, 2));
    console.log(`\nJSON: bench/results/latest.json`);
  } finally {
    for (const c of children) {
      c.stopping = true;
      c.kill('SIGTERM');
    }
    stopKafka();
    rmSync(work, { recursive: true, force: true });
  }

  function startNginx(name, port, refPort, candPort) {
    const dir = join(work, name);
    mkdirSync(join(dir, 'logs'), { recursive: true });
    const mirror = candPort ? 'mirror /__mirror;\n        mirror_request_body on;' : '';
    writeFileSync(
      join(dir, 'nginx.conf'),
      `worker_processes 1;
daemon off;
pid ${dir}/nginx.pid;
error_log ${dir}/error.log warn;
events { worker_connections 8192; }
http {
    access_log off;
    client_body_temp_path ${dir}/body; proxy_temp_path ${dir}/proxy; fastcgi_temp_path ${dir}/fcgi; uwsgi_temp_path ${dir}/uwsgi; scgi_temp_path ${dir}/scgi;
    upstream reference { server 127.0.0.1:${refPort}; keepalive 128; }
    ${candPort ? `upstream candidate { server 127.0.0.1:${candPort}; keepalive 128; }` : ''}
    server {
        listen 127.0.0.1:${port};
        location / {
            ${mirror}
            proxy_pass http://reference;
            proxy_http_version 1.1;
            proxy_set_header Connection "";
        }
        location = /__mirror {
            internal;
            ${candPort ? 'proxy_pass http://candidate$request_uri;' : 'return 204;'}
            proxy_http_version 1.1;
            proxy_set_header Connection "";
            proxy_set_header X-Shadow-Test-Role candidate;
        }
    }
}
`,
    );
    return startProcess(name, 0, 'nginx', ['-p', dir, '-c', join(dir, 'nginx.conf')], { waitForReady: false });
  }

  function startShadowdiff(name, port, adminPort, refPort, candPort, kafka, shadowOn, { workers = 1, cores = '0' } = {}) {
    const dir = join(work, name);
    mkdirSync(dir, { recursive: true });
    const config = join(dir, 'config.toml');
    writeFileSync(
      config,
      `[listen]
host = "127.0.0.1"
port = ${port}
workers = ${workers}
[admin]
host = "127.0.0.1"
port = ${adminPort}
[log]
level = "warn"
access_log = false
[upstreams]
reference = "http://127.0.0.1:${refPort}"
candidate = "http://127.0.0.1:${candPort}"
[shadow]
enabled = ${shadowOn}
timeout_ms = 5000
max_in_flight = 256
max_response_bytes = 4194304
[compare]
worker_threads = 1
[kafka]
brokers = ["127.0.0.1:${kafka}"]
topic = "bench-${name}-${Date.now()}"
outbox_path = "${dir}/outbox.ndjson"
[[routes]]
name = "bench"
path = "/{*rest}"
`,
    );
    const probe = workers === 1 ? ['-r', PROBE] : [];
    return startProcess(name, cores, process.execPath, [...probe, join(root, 'dist', 'src', 'cli.js'), '--config', config], { waitForReady: false, cwd: dir });
  }
}

function latencyRow() {
  return { p50: [], p99: [], p999: [], errors: 0, loopP99Ms: [], shadowedPct: [] };
}

function addLatency(row, r) {
  row.p50.push(r.p50);
  row.p99.push(r.p99);
  row.p999.push(r.p999);
  row.errors += r.errors;
  if (r.loopP99Ms !== undefined) row.loopP99Ms.push(r.loopP99Ms);
  if (r.shadowedPct !== undefined) row.shadowedPct.push(r.shadowedPct);
}

function summarize(rows, key) {
  const out = {};
  for (const [name, r] of Object.entries(rows)) {
    out[name] = {};
    for (const [k, v] of Object.entries(r)) out[name][k] = Array.isArray(v) ? (v.length ? median(v) : undefined) : v;
    out[name].value = key(r);
  }
  return out;
}

/** `base` names the row each latency row is compared with (default: nginx). */
function report(title, rows, kind, base = () => rows.nginx) {
  console.log(`\n### ${title}\n`);
  if (kind === 'rps') {
    const direct = rows.direct?.rps;
    const nginx = rows.nginx?.rps;
    const mirror = rows['nginx-mirror']?.rps;
    console.log('| target | req/s | vs direct | vs nginx | vs nginx mirror | shadowed | CPU µs/req | peak RSS MB | errors |');
    console.log('| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |');
    for (const [name, r] of Object.entries(rows)) {
      console.log(
        `| ${name} | ${Math.round(r.rps)} | ${(r.rps / direct).toFixed(2)} | ${(r.rps / nginx).toFixed(2)} | ${(r.rps / mirror).toFixed(2)} | ${pct(r.shadowedPct)} | ${r.cpuUsPerReq ? r.cpuUsPerReq.toFixed(0) : '-'} | ${r.peakRssMb ? r.peakRssMb.toFixed(0) : '-'} | ${r.errors} |`,
      );
    }
  } else {
    console.log('| target | p50 | p99 | p99.9 | p50 − base | p99 vs base | shadowed | errors | event-loop p99 |');
    console.log('| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |');
    for (const [name, r] of Object.entries(rows)) {
      const b = base(name);
      const vsBase = b ? `${(r.p50 - b.p50).toFixed(2)} | ${(r.p99 / b.p99).toFixed(2)}` : '- | -';
      console.log(`| ${name} | ${r.p50.toFixed(2)} | ${r.p99.toFixed(2)} | ${r.p999.toFixed(2)} | ${vsBase} | ${pct(r.shadowedPct)} | ${r.errors} | ${r.loopP99Ms !== undefined ? r.loopP99Ms.toFixed(1) : '-'} |`);
    }
  }
}

function pct(value) {
  return value === undefined ? '-' : `${value.toFixed(0)}%`;
}

process.on('SIGINT', () => {
  for (const c of children) c.kill('SIGTERM');
  process.exit(130);
});

main().catch((err) => {
  console.error(err);
  for (const c of children) c.kill('SIGTERM');
  process.exit(1);
});

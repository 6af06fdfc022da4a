// Diff events through a real Kafka broker: delivery, keys, headers, batching, outages, the outbox.
import { mkdtempSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Broker } from '../helpers/broker';
import { freePort } from '../helpers/ports';
import { brokers, newTopic, readTopic } from '../helpers/kafka';
import { call, eventually, startProxy, type TestProxy } from '../helpers/proxy';
import { schemaErrors } from '../helpers/schema';
import { json, TestUpstream } from '../helpers/upstream';
import type { DiffEvent } from '../../src/events/types';

const tempDir = () => mkdtempSync(join(tmpdir(), 'shadowdiff-outbox-'));

describe('Kafka sink', () => {
  let reference: TestUpstream;
  let candidate: TestUpstream;
  const proxies: TestProxy[] = [];

  beforeEach(async () => {
    reference = await TestUpstream.start(json({ v: 1, name: 'x' }));
    candidate = await TestUpstream.start(json({ v: 2, name: 'x' }));
  });

  afterEach(async () => {
    for (const p of proxies.splice(0)) await p.shutdown();
    await Promise.all([reference.close(), candidate.close()]);
  });

  const start = async (kafka: string, extra = '') => {
    // Each proxy gets its own outbox, never the default one in the working directory.
    if (!kafka.includes('outbox_path')) kafka = `outbox_path = "${join(tempDir(), 'outbox.ndjson')}"\n${kafka}`;
    const proxy = await startProxy(
      `
[upstreams]
reference = "${reference.url}"
candidate = "${candidate.url}"
[proxy]
shutdown_timeout_ms = 15000
[kafka]
${kafka}
[[routes]]
name = "users"
path = "/users/{id}"
kafka_key = "param:id"
[[routes]]
name = "orders"
path = "/orders/{id}"
${extra}
`,
      { configuredSink: true },
    );
    proxies.push(proxy);
    return proxy;
  };

  const published = (p: TestProxy) => p.metric('shadowdiff_events_published_total', { sink: 'kafka' });

  it('publishes schema-valid events with the configured key and message headers, in batches', async () => {
    const topic = newTopic();
    const p = await start(`brokers = ${JSON.stringify(brokers())}\ntopic = "${topic}"\nlinger_ms = 50`);
    const paths = [...Array.from({ length: 15 }, (_, i) => `/users/u${i % 3}`), ...Array.from({ length: 15 }, (_, i) => `/orders/${i}`)];
    const responses = await Promise.all(paths.map((path) => call(`${p.proxyUrl}${path}`)));
    expect(responses.every((r) => r.status === 200)).toBe(true);

    const messages = await readTopic(topic, paths.length);
    expect(messages).toHaveLength(30);
    for (const m of messages) {
      const event = JSON.parse(m.value) as DiffEvent;
      expect(schemaErrors(event)).toEqual([]);
      expect(m.headers).toEqual({ schema: 'shadowdiff.diff-event/v1', route: event.route.name, outcome: event.outcome, id: event.id });
      expect(m.key).toBe(event.route.name === 'users' ? event.route.params.id : 'orders');
      expect(event.outcome).toBe('mismatch');
    }
    // One partition per key: all of one user's events share a partition.
    const partitionsOfU1 = new Set(messages.filter((m) => m.key === 'u1').map((m) => m.partition));
    expect(partitionsOfU1.size).toBe(1);
    const produceRequests = await p.metric('shadowdiff_kafka_requests_total', { api: 'Produce' });
    expect(produceRequests).toBeGreaterThan(0);
    expect(produceRequests).toBeLessThan(30);
    expect(await p.metric('shadowdiff_kafka_connected')).toBe(1);
    const ready = JSON.parse((await call(`${p.adminUrl}/readyz`)).body.toString());
    expect(ready).toMatchObject({ status: 'ready', sink: { kind: 'kafka', ok: true, connected: true, topic } });
  });

  it('creates the topic with the configured partitions', async () => {
    const topic = newTopic();
    const p = await start(`brokers = ${JSON.stringify(brokers())}\ntopic = "${topic}"\npartitions = 4\nlinger_ms = 0`);
    await call(`${p.proxyUrl}/users/1`);
    await readTopic(topic, 1);
    const { Kafka, logLevel } = await import('kafkajs');
    const admin = new Kafka({ brokers: brokers(), logLevel: logLevel.NOTHING }).admin();
    await admin.connect();
    const meta = await admin.fetchTopicMetadata({ topics: [topic] });
    await admin.disconnect();
    expect(meta.topics[0]!.partitions).toHaveLength(4);
  });

  it('flushes queued events on shutdown', async () => {
    const topic = newTopic();
    const p = await start(`brokers = ${JSON.stringify(brokers())}\ntopic = "${topic}"\nlinger_ms = 60000\nbatch_max_events = 1000`);
    await eventually(async () => (await p.metric('shadowdiff_kafka_connected')) === 1, 'connected');
    for (let i = 0; i < 5; i++) await call(`${p.proxyUrl}/orders/${i}`);
    await eventually(async () => (await p.metric('shadowdiff_kafka_queue_depth')) === 5, 'five queued');
    await p.shutdown();
    proxies.splice(proxies.indexOf(p), 1);
    expect(await published(p)).toBe(5);
    expect(await readTopic(topic, 5)).toHaveLength(5);
  });

  it('loses no event through a broker outage, keeps order per key, and clients see no error', async () => {
    const broker = await Broker.create();
    await broker.start();
    try {
      const topic = newTopic();
      const dir = tempDir();
      const p = await start(
        `brokers = ["${broker.address}"]\ntopic = "${topic}"\nlinger_ms = 5\nmax_queue_events = 5\nrequest_timeout_ms = 3000\noutbox_path = "${join(dir, 'outbox.ndjson')}"`,
      );
      await eventually(async () => (await p.metric('shadowdiff_kafka_connected')) === 1, 'connected', 60_000);
      const statuses: number[] = [];
      const send = async (from: number, to: number) => {
        for (let seq = from; seq < to; seq++) statuses.push((await call(`${p.proxyUrl}/orders/1?seq=${seq}`)).status);
      };
      await send(0, 20);
      await eventually(async () => (await published(p)) === 20, 'first 20 sent, each once');
      await broker.stop();
      await send(20, 45);
      await eventually(async () => (await p.metric('shadowdiff_kafka_spilled_total')) > 0, 'spilled to the outbox');
      await broker.start();
      await send(45, 60);
      await eventually(async () => (await published(p)) >= 60 && (await p.metric('shadowdiff_kafka_outbox_bytes')) === 0, 'all 60 sent after the outage', 90_000);

      expect(statuses.every((s) => s === 200)).toBe(true);
      const messages = await readTopic(topic, 60, [broker.address]);
      const firstSeen = new Map<string, number>();
      for (const m of messages) {
        const event = JSON.parse(m.value) as DiffEvent;
        if (!firstSeen.has(event.id)) firstSeen.set(event.id, Number(new URLSearchParams(event.request.query).get('seq')));
      }
      const order = [...firstSeen.values()];
      expect(order).toHaveLength(60);
      expect(order).toEqual(Array.from({ length: 60 }, (_, i) => i));
      expect(await p.metric('shadowdiff_events_dropped_total', { reason: 'outbox_full' })).toBe(0);
    } finally {
      await broker.destroy();
    }
  });

  it('drops and counts what does not fit in a full outbox, without failing clients', async () => {
    const dir = tempDir();
    const outbox = join(dir, 'outbox.ndjson');
    const deadPort = await freePort();
    const p = await start(`brokers = ["127.0.0.1:${deadPort}"]\ntopic = "t"\nmax_queue_events = 2\noutbox_path = "${outbox}"\noutbox_max_bytes = 6000`);
    const statuses: number[] = [];
    for (let i = 0; i < 30; i++) statuses.push((await call(`${p.proxyUrl}/orders/${i}`)).status);
    expect(statuses.every((s) => s === 200)).toBe(true);
    await eventually(async () => (await p.metric('shadowdiff_diff_events_total', { outcome: 'mismatch' })) === 30, 'all compared');
    const spilled = await p.metric('shadowdiff_kafka_spilled_total');
    const dropped = await p.metric('shadowdiff_events_dropped_total', { reason: 'outbox_full' });
    const queued = await p.metric('shadowdiff_kafka_queue_depth');
    expect(dropped).toBeGreaterThan(0);
    expect(spilled + dropped + queued).toBe(30);
    expect(statSync(outbox).size).toBeLessThanOrEqual(6000);
    const ready = JSON.parse((await call(`${p.adminUrl}/readyz`)).body.toString());
    expect(ready).toMatchObject({ status: 'ready', sink: { kind: 'kafka', ok: false, connected: false } });
  });

  it('replays a non-empty outbox after a restart, and empties it', async () => {
    const dir = tempDir();
    const outbox = join(dir, 'outbox.ndjson');
    const deadPort = await freePort();
    const first = await start(`brokers = ["127.0.0.1:${deadPort}"]\ntopic = "t"\nmax_queue_events = 1\noutbox_path = "${outbox}"`);
    for (let i = 0; i < 8; i++) await call(`${first.proxyUrl}/orders/${i}`);
    await eventually(async () => (await first.metric('shadowdiff_diff_events_total', { outcome: 'mismatch' })) === 8, 'all compared');
    await first.shutdown();
    proxies.splice(proxies.indexOf(first), 1);
    const ids = readFileSync(outbox, 'utf8').trim().split('\n').map((line) => (JSON.parse(JSON.parse(line).v) as DiffEvent).id);
    expect(ids).toHaveLength(8);

    const topic = newTopic();
    const second = await start(`brokers = ${JSON.stringify(brokers())}\ntopic = "${topic}"\noutbox_path = "${outbox}"`);
    const messages = await readTopic(topic, 8);
    expect(messages.map((m) => (JSON.parse(m.value) as DiffEvent).id)).toEqual(ids);
    await eventually(async () => (await second.metric('shadowdiff_kafka_outbox_bytes')) === 0 && statSync(outbox).size === 0, 'outbox emptied');
  });

  it('skips a torn last line in the outbox and counts it', async () => {
    const dir = tempDir();
    const outbox = join(dir, 'outbox.ndjson');
    const record = (id: string) => JSON.stringify({ k: 'x', h: { id }, v: JSON.stringify({ id }) });
    writeFileSync(outbox, `${record('a')}\n${record('b')}\n{"k":"x","h":{"id":"c"},"v":"{\\"id`);
    const topic = newTopic();
    const p = await start(`brokers = ${JSON.stringify(brokers())}\ntopic = "${topic}"\noutbox_path = "${outbox}"`);
    await call(`${p.proxyUrl}/orders/1`);
    const messages = await readTopic(topic, 3);
    // Keys pick partitions, so only messages of one key arrive in a defined order.
    expect(messages.filter((m) => m.key === 'x').map((m) => JSON.parse(m.value).id)).toEqual(['a', 'b']);
    expect(messages.filter((m) => m.key === 'orders').map((m) => (JSON.parse(m.value) as DiffEvent).route.name)).toEqual(['orders']);
    expect(await p.metric('shadowdiff_events_dropped_total', { reason: 'outbox_corrupt' })).toBe(1);
  });

  it('never logs Kafka credentials, also when authentication fails', async () => {
    const password = 'kafka-pw-9f8e7d6c5b';
    const p = await start(`brokers = ${JSON.stringify(brokers())}\ntopic = "t"\n[kafka.sasl]\nmechanism = "plain"\nusername = "svc-shadowdiff"\npassword = "${password}"`);
    await call(`${p.proxyUrl}/orders/1`);
    await eventually(() => p.logs.some((l) => l.includes('kafka: cannot reach Kafka') || l.includes('kafka: sending')), 'a Kafka warning');
    expect(p.logs.join('\n')).not.toContain(password);
    const ready = (await call(`${p.adminUrl}/readyz`)).body.toString();
    expect(ready).toContain('"ok":false');
    expect(ready).not.toContain(password);
  });
});

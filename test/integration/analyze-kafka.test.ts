// shadowdiff-analyze reading the real topic, with events produced by the proxy end to end.
import { spawn } from 'node:child_process';
import { Kafka, logLevel } from 'kafkajs';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ANALYZE_CLI } from '../helpers/cli';
import { makeEvent } from '../helpers/events';
import { Broker } from '../helpers/broker';
import { brokers, newTopic } from '../helpers/kafka';
import { call, eventually, startProxy } from '../helpers/proxy';
import { json, TestUpstream } from '../helpers/upstream';
import type { Report } from '../../analysis/report';

function analyze(args: string[], brokerList = brokers()): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [ANALYZE_CLI, ...args, '--brokers', brokerList.join(',')]);
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c) => (stdout += c));
    child.stderr.on('data', (c) => (stderr += c));
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

async function produceRaw(topic: string, values: string[], brokerList = brokers()): Promise<void> {
  const kafka = new Kafka({ brokers: brokerList, logLevel: logLevel.NOTHING });
  const admin = kafka.admin();
  await admin.connect();
  await admin.createTopics({ topics: [{ topic, numPartitions: 2 }], waitForLeaders: true });
  await admin.disconnect();
  if (values.length === 0) return;
  const producer = kafka.producer();
  await producer.connect();
  await producer.send({ topic, messages: values.map((value, i) => ({ key: String(i % 3), value })) });
  await producer.disconnect();
}

describe('shadowdiff-analyze report (Kafka)', () => {
  it('reports on events the proxy published, end to end', async () => {
    const reference = await TestUpstream.start((req, res) => json({ id: req.url, price: 10 })(req, res));
    const candidate = await TestUpstream.start((req, res) => json({ id: req.url, price: req.url!.includes('/3') ? 11 : 10 })(req, res));
    const topic = newTopic();
    const proxy = await startProxy(
      `[upstreams]\nreference = "${reference.url}"\ncandidate = "${candidate.url}"\n[kafka]\nbrokers = ${JSON.stringify(brokers())}\ntopic = "${topic}"\noutbox_path = "${join(mkdtempSync(join(tmpdir(), 'ob-')), 'o.ndjson')}"\n[[routes]]\nname = "items"\npath = "/items/{id}"`,
      { configuredSink: true },
    );
    try {
      for (let i = 0; i < 12; i++) await call(`${proxy.proxyUrl}/items/${i}`);
      await eventually(async () => (await proxy.metric('shadowdiff_events_published_total', { sink: 'kafka' })) === 12, 'all published');
    } finally {
      await proxy.shutdown();
      await Promise.all([reference.close(), candidate.close()]);
    }
    const { code, stdout } = await analyze(['report', '--format', 'json', '--topic', topic]);
    expect(code).toBe(0);
    const report = JSON.parse(stdout) as Report;
    expect(report.source).toMatchObject({ kind: 'kafka', topic });
    expect(report.totals.events).toBe(12);
    // /items/3 differs in price.
    expect(report.totals.outcomes.mismatch).toBe(1);
    expect(report.routes[0]!.paths[0]).toMatchObject({ path: '/price', kind: 'value', count: 1 });

    const future = JSON.parse((await analyze(['report', '--format', 'json', '--topic', topic, '--since', '2099-01-01T00:00:00Z'])).stdout) as Report;
    expect(future.totals.events).toBe(0);
    const recent = JSON.parse((await analyze(['report', '--format', 'json', '--topic', topic, '--since', '1h'])).stdout) as Report;
    expect(recent.totals.events).toBe(12);
  });

  it('returns at once on an empty topic', async () => {
    const topic = newTopic();
    await produceRaw(topic, []);
    const { code, stdout } = await analyze(['report', '--format', 'json', '--topic', topic]);
    expect(code).toBe(0);
    expect((JSON.parse(stdout) as Report).totals.events).toBe(0);
  });

  it('counts and skips a corrupt message and an event of an unknown version, and drops duplicates', async () => {
    const topic = newTopic();
    const good = [makeEvent(), makeEvent(), makeEvent({ differences: [{ path: '/a', normalizedPath: '/a', kind: 'value', severity: 'medium' }] })];
    await produceRaw(topic, [...good.map((e) => JSON.stringify(e)), JSON.stringify(good[0]), 'not json at all', JSON.stringify({ ...makeEvent(), schema: 'shadowdiff.diff-event/v2' })]);
    const { code, stdout, stderr } = await analyze(['report', '--format', 'json', '--topic', topic]);
    expect(code).toBe(0);
    const report = JSON.parse(stdout) as Report;
    expect(report.input).toEqual({ read: 6, duplicates: 1, unknownSchema: 1, corrupt: 1, filteredOut: 0 });
    expect(report.totals.events).toBe(3);
    expect(stderr).toContain('unknown schema "shadowdiff.diff-event/v2"');
  });

  it('reads a topic on a broker that has only just started (its group coordinator still loading)', async () => {
    const broker = await Broker.create();
    await broker.start();
    try {
      const topic = newTopic();
      await produceRaw(topic, [JSON.stringify(makeEvent()), JSON.stringify(makeEvent())], [broker.address]);
      const { code, stdout, stderr } = await analyze(['report', '--format', 'json', '--topic', topic], [broker.address]);
      expect({ code, stderr }).toEqual({ code: 0, stderr: '' });
      expect((JSON.parse(stdout) as Report).totals.events).toBe(2);
    } finally {
      await broker.destroy();
    }
  });

  it('says clearly when the topic does not exist', async () => {
    const { code, stderr } = await analyze(['report', '--topic', newTopic()]);
    expect(code).toBe(2);
    expect(stderr).toMatch(/topic test-.* does not exist/);
  });

  it('follows the topic live with tail --follow', async () => {
    const topic = newTopic();
    await produceRaw(topic, [JSON.stringify(makeEvent({ route: 'before' }))]);
    const child = spawn(process.execPath, [ANALYZE_CLI, 'tail', '--follow', '--topic', topic, '--brokers', brokers().join(',')]);
    let out = '';
    child.stdout.on('data', (c) => (out += c));
    try {
      await eventually(() => out.includes(' before '), 'the existing event', 30_000);
      const producer = new Kafka({ brokers: brokers(), logLevel: logLevel.NOTHING }).producer();
      await producer.connect();
      await producer.send({ topic, messages: [{ value: JSON.stringify(makeEvent({ route: 'after' })) }] });
      await producer.disconnect();
      await eventually(() => out.includes(' after '), 'the new event', 30_000);
    } finally {
      child.kill();
    }
  });
});

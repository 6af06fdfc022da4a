// Publishes diff events to Kafka with kafkajs, without ever making the proxy wait.
//
// Events go to a bounded in-memory queue and leave it in batches (kafkajs does not batch across
// send calls, so the linger and batch limits are ours). When the queue is full because Kafka is slow
// or away, the whole queue and every later event go to the outbox file, in order, until the outbox
// has been replayed; only when the outbox is full are events dropped, and every drop is counted.
// Delivery is at least once: a batch whose fate was unknown may be sent again, with the same event
// ids, so readers drop duplicates by id.
import { CompressionTypes, Kafka, logLevel, Partitioners, type Producer, type SASLOptions, type KafkaConfig, type Message } from 'kafkajs';
import { readFileSync } from 'node:fs';
import type { Metrics } from '../admin/metrics';
import type { KafkaSettings } from '../config/resolve';
import { eventJson } from '../events/build';
import type { DiffEvent } from '../events/types';
import type { Logger } from '../log';
import { Outbox, type OutboxRecord } from './outbox';
import type { EventSink, SinkStatus } from './sink';

export type KeyOf = (event: DiffEvent) => string | null;

const MAX_BACKOFF_MS = 5_000;

export class KafkaSink implements EventSink {
  private readonly kafka: Kafka;
  private readonly producer: Producer;
  private readonly outbox: Outbox;
  private queue: OutboxRecord[] = [];
  private queueBytes = 0;
  /** When the oldest queued event arrived: a partial batch leaves once it has lingered long enough. */
  private oldestQueuedAt = 0;
  /** The first `inFlight` queued records are being sent; a spill leaves them, so nothing is sent twice. */
  private inFlight = 0;
  private connected = false;
  private lastError?: string;
  private ready = false;
  private closing = false;
  private stopped = false;
  private wake?: () => void;
  private loop?: Promise<void>;

  constructor(
    private readonly settings: KafkaSettings,
    private readonly keyOf: KeyOf,
    private readonly metrics: Metrics,
    private readonly logger: Logger,
  ) {
    this.kafka = new Kafka(clientConfig(settings));
    this.producer = this.kafka.producer({
      createPartitioner: Partitioners.DefaultPartitioner,
      allowAutoTopicCreation: false,
      retry: { retries: 2, initialRetryTime: 100, maxRetryTime: 1000 },
    });
    this.producer.on(this.producer.events.CONNECT, () => this.setConnected(true));
    this.producer.on(this.producer.events.DISCONNECT, () => this.setConnected(false));
    this.producer.on(this.producer.events.REQUEST, ({ payload }) => metrics.kafkaRequests.inc({ api: payload.apiName }));
    this.outbox = Outbox.open(settings.outboxPath, settings.outboxMaxBytes);
    metrics.kafkaOutboxBytes.set(this.outbox.pendingBytes);
  }

  /** Connects and starts sending in the background; never waits for Kafka. */
  start(): void {
    if (!this.outbox.isEmpty) this.logger.info({ bytes: this.outbox.pendingBytes, path: this.settings.outboxPath }, 'kafka: replaying the outbox left from an earlier run');
    this.loop = this.run();
  }

  publish(event: DiffEvent): void {
    const record: OutboxRecord = {
      k: this.keyOf(event),
      h: { schema: event.schema, route: event.route.name, outcome: event.outcome, id: event.id },
      v: eventJson(event),
    };
    if (this.closing || !this.outbox.isEmpty) return this.spill([record]);
    if (this.queue.length - this.inFlight >= this.settings.maxQueueEvents) {
      // Kafka is not keeping up: the waiting events and every later one go to disk, in order. A batch
      // in flight stays in memory; if it fails it is retried before the outbox, which is newer.
      const waiting = this.queue.splice(this.inFlight);
      for (const r of waiting) this.queueBytes -= r.v.length;
      this.spill([...waiting, record]);
      this.metrics.kafkaQueueDepth.set(this.queue.length);
      return;
    }
    if (this.queue.length === 0) this.oldestQueuedAt = Date.now();
    this.queue.push(record);
    this.queueBytes += record.v.length;
    this.metrics.kafkaQueueDepth.set(this.queue.length);
    if (this.batchDue()) this.kick();
  }

  /** A full batch, a batch that has lingered long enough, or shutdown. */
  private batchDue(): boolean {
    if (this.queue.length === 0) return false;
    return (
      this.closing ||
      this.queue.length >= this.settings.batchMaxEvents ||
      this.queueBytes >= this.settings.batchMaxBytes ||
      Date.now() - this.oldestQueuedAt >= this.settings.lingerMs
    );
  }

  status(): SinkStatus {
    if (this.connected) return { kind: 'kafka' };
    return { kind: 'kafka', problem: `not connected to ${this.settings.brokers.join(',')}${this.lastError ? `: ${this.lastError}` : ''}` };
  }

  details(): Record<string, unknown> {
    return { connected: this.connected, topic: this.settings.topic, queued: this.queue.length, outboxBytes: this.outbox.pendingBytes };
  }

  /** Sends what it can before the deadline, writes the rest to the outbox, and disconnects. */
  async close(deadlineMs: number): Promise<void> {
    this.closing = true;
    const deadline = Date.now() + deadlineMs;
    this.kick();
    while (Date.now() < deadline && this.connected && (this.queue.length > 0 || !this.outbox.isEmpty)) {
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    this.stopped = true;
    this.kick();
    if (this.queue.length > 0) {
      // Whatever is left, a batch whose fate is unknown included, is kept for the next run.
      this.inFlight = 0;
      this.spill(this.queue.splice(0));
    }
    await this.outbox.flushed();
    await Promise.race([this.loop, new Promise((resolve) => setTimeout(resolve, 1000).unref())]);
    await this.producer.disconnect().catch(() => undefined);
    this.metrics.kafkaOutboxBytes.set(this.outbox.pendingBytes);
  }

  private spill(records: OutboxRecord[]): void {
    const dropped = this.outbox.append(records);
    this.metrics.kafkaSpilled.inc(records.length - dropped);
    if (dropped > 0) this.metrics.eventsDropped.inc({ reason: 'outbox_full' }, dropped);
    this.metrics.kafkaOutboxBytes.set(this.outbox.pendingBytes);
    this.kick();
  }

  private kick(): void {
    this.wake?.();
  }

  private sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(done, ms);
      this.wake = done;
      function done() {
        clearTimeout(timer);
        resolve();
      }
    });
  }

  private async run(): Promise<void> {
    let backoff = 100;
    while (!this.stopped) {
      if (!this.ready) {
        try {
          await this.prepare();
          this.ready = true;
          backoff = 100;
        } catch (err) {
          this.fail(err, 'cannot reach Kafka');
          await this.sleep(backoff);
          backoff = Math.min(backoff * 2, MAX_BACKOFF_MS);
        }
        continue;
      }
      // Memory holds events older than anything in the outbox (the whole queue moves when it spills).
      const fromOutbox = this.queue.length === 0 && !this.outbox.isEmpty;
      if (!fromOutbox && !this.batchDue()) {
        const wait = this.queue.length === 0 ? 1000 : this.settings.lingerMs - (Date.now() - this.oldestQueuedAt);
        await this.sleep(Math.max(1, wait));
        continue;
      }
      const batch = fromOutbox ? this.outbox.read(this.settings.batchMaxEvents, this.settings.batchMaxBytes) : this.nextBatch();
      if (fromOutbox && batch.corrupt > 0) this.metrics.eventsDropped.inc({ reason: 'outbox_corrupt' }, batch.corrupt);
      if (batch.records.length === 0) {
        if (fromOutbox) await this.outbox.commit(batch.next);
        continue;
      }
      if (!fromOutbox) this.inFlight = batch.records.length;
      try {
        await this.send(batch.records);
        backoff = 100;
        this.metrics.eventsPublished.inc({ sink: 'kafka' }, batch.records.length);
        if (fromOutbox) await this.outbox.commit(batch.next);
        else this.dequeue(this.inFlight);
        this.metrics.kafkaOutboxBytes.set(this.outbox.pendingBytes);
      } catch (err) {
        this.inFlight = 0;
        this.metrics.kafkaSendFailures.inc();
        this.fail(err, 'sending to Kafka failed; will retry');
        await this.sleep(backoff);
        backoff = Math.min(backoff * 2, MAX_BACKOFF_MS);
      }
    }
  }

  private nextBatch(): { records: OutboxRecord[]; next: number; corrupt: number } {
    let bytes = 0;
    let count = 0;
    while (count < this.queue.length && count < this.settings.batchMaxEvents && (count === 0 || bytes + this.queue[count]!.v.length <= this.settings.batchMaxBytes)) {
      bytes += this.queue[count]!.v.length;
      count++;
    }
    return { records: this.queue.slice(0, count), next: 0, corrupt: 0 };
  }

  private dequeue(count: number): void {
    this.inFlight = 0;
    for (const record of this.queue.splice(0, count)) this.queueBytes -= record.v.length;
    // What is left arrived while the batch was in flight: it has waited long enough already.
    if (this.queue.length > 0) this.oldestQueuedAt = 0;
    this.metrics.kafkaQueueDepth.set(this.queue.length);
  }

  private async send(records: readonly OutboxRecord[]): Promise<void> {
    const messages: Message[] = records.map((r) => ({ key: r.k, value: r.v, headers: r.h }));
    await this.producer.send({
      topic: this.settings.topic,
      acks: this.settings.acks,
      compression: this.settings.compression === 'gzip' ? CompressionTypes.GZIP : CompressionTypes.None,
      timeout: this.settings.requestTimeoutMs,
      messages,
    });
    this.setConnected(true);
  }

  /** Connects, and creates the topic when it is missing and allowed to. */
  private async prepare(): Promise<void> {
    const admin = this.kafka.admin();
    await admin.connect();
    try {
      const topics = await admin.listTopics();
      if (!topics.includes(this.settings.topic)) {
        if (!this.settings.createTopic) throw new Error(`topic ${this.settings.topic} does not exist and kafka.create_topic is false`);
        await admin.createTopics({
          waitForLeaders: true,
          topics: [{ topic: this.settings.topic, numPartitions: this.settings.partitions, replicationFactor: this.settings.replicationFactor }],
        });
        this.logger.info({ topic: this.settings.topic, partitions: this.settings.partitions }, 'kafka: created the topic');
      }
    } finally {
      await admin.disconnect().catch(() => undefined);
    }
    await this.producer.connect();
    this.setConnected(true);
  }

  private setConnected(connected: boolean): void {
    if (connected && !this.connected) this.logger.info({ brokers: this.settings.brokers, topic: this.settings.topic }, 'kafka: connected');
    this.connected = connected;
    if (connected) this.lastError = undefined;
    this.metrics.kafkaConnected.set(connected ? 1 : 0);
  }

  private fail(err: unknown, what: string): void {
    const message = (err as Error)?.message ?? String(err);
    // Log a changed reason once, not every retry: an outage must not flood the logs.
    if (message !== this.lastError) this.logger.warn({ err: { message } }, `kafka: ${what}`);
    this.lastError = message;
    this.setConnected(false);
    if (/not exist|authenticat|SASL|authoriz/i.test(message)) this.ready = false;
  }
}

/** kafkajs's own logging is off: it can be noisy during outages, and shadowdiff logs what matters once. */
function clientConfig(settings: KafkaSettings): KafkaConfig {
  const config: KafkaConfig = {
    clientId: settings.clientId,
    brokers: [...settings.brokers],
    connectionTimeout: 3000,
    requestTimeout: settings.requestTimeoutMs,
    retry: { retries: 2, initialRetryTime: 100, maxRetryTime: 1000 },
    logLevel: logLevel.NOTHING,
  };
  if (settings.ssl) {
    config.ssl = {
      rejectUnauthorized: settings.ssl.rejectUnauthorized,
      ...(settings.ssl.caFile ? { ca: [readFileSync(settings.ssl.caFile, 'utf8')] } : {}),
      ...(settings.ssl.certFile ? { cert: readFileSync(settings.ssl.certFile, 'utf8') } : {}),
      ...(settings.ssl.keyFile ? { key: readFileSync(settings.ssl.keyFile, 'utf8') } : {}),
    };
  }
  if (settings.sasl) config.sasl = { mechanism: settings.sasl.mechanism, username: settings.sasl.username, password: settings.sasl.password } as SASLOptions;
  return config;
}

/** The message key for an event: its route name, one of its path parameters, or a fixed text. */
export function keyFunction(keys: ReadonlyMap<string, string>): KeyOf {
  return (event) => {
    const spec = keys.get(event.route.name) ?? 'route';
    if (spec === 'route') return event.route.name;
    if (spec.startsWith('param:')) return event.route.params[spec.slice('param:'.length)] ?? event.route.name;
    if (spec.startsWith('literal:')) return spec.slice('literal:'.length);
    return event.route.name;
  };
}

// Kafka input: the topic, or a window of it, read by an ephemeral consumer that commits nothing.
// Without --follow it stops at the high-water marks read when it started, so an empty or idle
// topic never makes it hang.
import { randomUUID } from 'node:crypto';
import { Kafka, logLevel } from 'kafkajs';
import { UsageError } from './time';

export interface KafkaSource {
  readonly brokers: readonly string[];
  readonly topic: string;
  readonly since?: number;
  readonly until?: number;
  readonly follow?: boolean;
}

export class SourceError extends Error {}

export async function* readKafka(source: KafkaSource): AsyncIterable<string> {
  // Generous retries: joining a group on a broker that just started can take several seconds.
  const kafka = new Kafka({ clientId: 'shadowdiff-analyze', brokers: [...source.brokers], logLevel: logLevel.NOTHING, connectionTimeout: 5000, retry: { retries: 8, initialRetryTime: 300 } });
  const admin = kafka.admin();
  try {
    await admin.connect();
  } catch (err) {
    throw new SourceError(`cannot reach Kafka at ${source.brokers.join(',')}: ${(err as Error).message}`);
  }
  let starts: Map<number, bigint>;
  let ends: Map<number, bigint>;
  try {
    const topics = await admin.listTopics();
    if (!topics.includes(source.topic)) throw new UsageError(`topic ${source.topic} does not exist on ${source.brokers.join(',')}`);
    const offsets = await admin.fetchTopicOffsets(source.topic);
    const high = new Map(offsets.map((o) => [o.partition, BigInt(o.high)]));
    const low = new Map(offsets.map((o) => [o.partition, BigInt(o.low)]));
    starts = source.since !== undefined ? await offsetsAt(admin, source.topic, source.since, high) : low;
    ends = source.until !== undefined ? await offsetsAt(admin, source.topic, source.until, high) : high;
    if (source.follow) ends = new Map([...high.keys()].map((p) => [p, BigInt(Number.MAX_SAFE_INTEGER)]));
  } finally {
    await admin.disconnect();
  }
  const pending = new Set([...starts.keys()].filter((p) => starts.get(p)! < ends.get(p)!));
  if (pending.size === 0 && !source.follow) return;

  const consumer = kafka.consumer({ groupId: `shadowdiff-analyze-${randomUUID()}`, allowAutoTopicCreation: false });
  const queue: string[] = [];
  let wake: (() => void) | undefined;
  let failure: Error | undefined;
  let drained: (() => void) | undefined;
  const notify = () => {
    wake?.();
    wake = undefined;
  };
  await consumer.connect();
  try {
    await consumer.subscribe({ topic: source.topic, fromBeginning: true });
    // Seeking skips what lies before the window; it is only allowed once the group is joined. Records
    // before the window are filtered out anyway, so a seek that comes late costs time, not correctness.
    consumer.on(consumer.events.GROUP_JOIN, () => {
      for (const [partition, offset] of starts) {
        try {
          consumer.seek({ topic: source.topic, partition, offset: offset.toString() });
        } catch {
          // not assigned to this consumer yet: the filter below covers it
        }
      }
    });
    await consumer.run({
      autoCommit: false,
      eachMessage: async ({ partition, message }) => {
        const offset = BigInt(message.offset);
        if (offset < starts.get(partition)! || offset >= ends.get(partition)!) {
          if (offset >= ends.get(partition)!) pending.delete(partition);
          notify();
          return;
        }
        queue.push(message.value?.toString() ?? '');
        if (offset + 1n >= ends.get(partition)!) pending.delete(partition);
        notify();
        // Back-pressure: the reader takes its time, the consumer waits.
        if (queue.length > 10_000) await new Promise<void>((resolve) => (drained = resolve));
      },
    });
    consumer.on(consumer.events.CRASH, ({ payload }) => {
      // A retriable error (a fresh broker's coordinator still loading, say) makes kafkajs restart the
      // consumer by itself; only a crash it gives up on ends the read.
      if (payload.restart) return;
      failure = payload.error;
      notify();
    });
    for (;;) {
      while (queue.length > 0) {
        yield queue.shift()!;
        if (queue.length < 1000 && drained) {
          drained();
          drained = undefined;
        }
      }
      if (failure) throw new SourceError(`reading ${source.topic} failed: ${failure.message}`);
      if (pending.size === 0 && !source.follow) return;
      await new Promise<void>((resolve) => (wake = resolve));
    }
  } finally {
    drained?.();
    await consumer.disconnect();
  }
}

async function offsetsAt(admin: ReturnType<Kafka['admin']>, topic: string, timestamp: number, high: Map<number, bigint>): Promise<Map<number, bigint>> {
  const offsets = await admin.fetchTopicOffsetsByTimestamp(topic, timestamp);
  // -1: no message at or after that time in this partition.
  return new Map(offsets.map((o) => [o.partition, o.offset === '-1' ? high.get(o.partition)! : BigInt(o.offset)]));
}

// Reading a topic back with an independent kafkajs consumer, as a user's consumer would.
import { randomUUID } from 'node:crypto';
import { Kafka, logLevel, type IHeaders } from 'kafkajs';
import { eventually } from './proxy';

export function brokers(): string[] {
  const value = process.env.KAFKA_BROKERS;
  if (!value) throw new Error('KAFKA_BROKERS is not set: run the tests with `npm test`, which starts a broker');
  return value.split(',');
}

export const newTopic = () => `test-${randomUUID()}`;

export interface ReadMessage {
  key: string | null;
  value: string;
  headers: Record<string, string>;
  partition: number;
  offset: string;
}

/** Reads the topic from the beginning until `count` messages arrived; fails after the deadline. */
export async function readTopic(topic: string, count: number, brokerList = brokers(), deadlineMs = 60_000): Promise<ReadMessage[]> {
  const kafka = new Kafka({ clientId: 'shadowdiff-test-reader', brokers: brokerList, logLevel: logLevel.NOTHING });
  await waitForTopic(kafka, topic, deadlineMs);
  const consumer = kafka.consumer({ groupId: `reader-${randomUUID()}` });
  const messages: ReadMessage[] = [];
  await consumer.connect();
  try {
    await consumer.subscribe({ topic, fromBeginning: true });
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`read ${messages.length} of ${count} messages from ${topic} before the deadline`)), deadlineMs);
      consumer
        .run({
          eachMessage: async ({ message, partition }) => {
            messages.push({ key: message.key?.toString() ?? null, value: message.value!.toString(), headers: headerText(message.headers), partition, offset: message.offset });
            if (messages.length >= count) {
              clearTimeout(timer);
              resolve();
            }
          },
        })
        .catch(reject);
    });
  } finally {
    await consumer.disconnect();
  }
  return messages;
}

/** Subscribing to a topic that does not exist yet fails: wait until the producer has created it. */
async function waitForTopic(kafka: Kafka, topic: string, deadlineMs: number): Promise<void> {
  const admin = kafka.admin();
  await admin.connect();
  try {
    // There is no event for "topic created": poll its metadata until every partition has a leader.
    await eventually(
      async () => (await admin.listTopics()).includes(topic) && (await admin.fetchTopicMetadata({ topics: [topic] })).topics[0]!.partitions.every((p) => p.leader >= 0),
      `topic ${topic} to be created`,
      deadlineMs,
    );
  } finally {
    await admin.disconnect();
  }
}

function headerText(headers: IHeaders | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(headers ?? {})) out[k] = String(Array.isArray(v) ? v[0] : v);
  return out;
}

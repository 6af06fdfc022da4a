// `npm test` runs against a real Kafka broker: the one named in KAFKA_BROKERS, or one this setup
// starts with scripts/kafka.sh (and global-teardown.ts stops).
import { Broker } from '../helpers/broker';

export default async function globalSetup(): Promise<void> {
  if (process.env.KAFKA_BROKERS) return;
  const broker = await Broker.create();
  await broker.start();
  process.env.KAFKA_BROKERS = broker.address;
  (globalThis as { __shadowdiffBroker?: Broker }).__shadowdiffBroker = broker;
}

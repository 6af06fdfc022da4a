import type { Broker } from '../helpers/broker';

export default async function globalTeardown(): Promise<void> {
  await (globalThis as { __shadowdiffBroker?: Broker }).__shadowdiffBroker?.destroy();
}

// `listen.workers > 1`: N proxy processes share the listening port through node:cluster. The
// primary serves the admin port with every worker's metrics aggregated, restarts a worker that
// dies, and on SIGTERM asks each worker to drain and waits for them.
import { createAdaptorServer } from '@hono/node-server';
import cluster, { type Worker } from 'node:cluster';
import type { Server } from 'node:http';
import { extname } from 'node:path';
import { AggregatorRegistry } from 'prom-client';
import { createAdminApp } from './admin/server';
import type { Config } from './config/resolve';
import type { Logger } from './log';

const INDEX_ENV = 'SHADOWDIFF_WORKER_INDEX';

/** Each worker writes its own outbox and event file: appends from several processes would interleave. */
export function configForWorker(config: Config, index: number): Config {
  const suffix = (path: string) => {
    const ext = extname(path);
    return ext ? `${path.slice(0, -ext.length)}.w${index}${ext}` : `${path}.w${index}`;
  };
  return {
    ...config,
    sink: { ...config.sink, path: suffix(config.sink.path) },
    ...(config.kafka ? { kafka: { ...config.kafka, outboxPath: suffix(config.kafka.outboxPath) } } : {}),
  };
}

export function workerIndex(): number | undefined {
  const value = process.env[INDEX_ENV];
  return cluster.isWorker && value !== undefined ? Number(value) : undefined;
}

const READY = 'shadowdiff:worker-ready';

/** Lets the primary collect this worker's registry, then tells it this worker is ready. */
export function shareMetrics(registry: import('prom-client').Registry): void {
  AggregatorRegistry.setRegistries([registry]);
  // prom-client answers the primary's requests only once an AggregatorRegistry exists in the worker.
  new AggregatorRegistry();
  process.send?.({ type: READY });
}

export async function runPrimary(config: Config, logger: Logger): Promise<void> {
  let stopping = false;
  const workers = new Map<number, Worker>();
  /** Workers listening and sharing their metrics. */
  const ready = new Set<number>();
  const fork = (index: number) => {
    const worker = cluster.fork({ [INDEX_ENV]: String(index) });
    workers.set(index, worker);
    worker.on('message', (message: { type?: string }) => {
      if (message?.type === READY) ready.add(index);
    });
    worker.on('exit', (code, signal) => {
      workers.delete(index);
      ready.delete(index);
      if (stopping) return;
      logger.error({ worker: index, code, signal }, 'worker exited; starting a new one');
      fork(index);
    });
  };
  for (let i = 1; i <= config.listen.workers; i++) fork(i);

  const aggregator = new AggregatorRegistry();
  let admin: Server | undefined;
  if (config.admin.enabled) {
    const app = createAdminApp({ contentType: aggregator.contentType, metrics: () => aggregator.clusterMetrics() }, [
      { name: 'proxy', check: () => (stopping ? 'shutting down' : undefined) },
      { name: 'workers', check: () => (ready.size < config.listen.workers ? `${ready.size} of ${config.listen.workers} workers ready` : undefined) },
    ]);
    admin = createAdaptorServer({ fetch: app.fetch }) as Server;
    await new Promise<void>((resolve, reject) => admin!.once('error', reject).listen(config.admin.port, config.admin.host, resolve));
  }
  logger.info({ workers: config.listen.workers, admin: config.admin.enabled ? `http://${config.admin.host}:${config.admin.port}` : 'disabled' }, 'shadowdiff primary started its workers');

  const stop = (signal: string) => {
    if (stopping) process.exit(1);
    stopping = true;
    logger.info({ signal }, 'shutting down: workers finish in-flight requests and shadows');
    for (const worker of workers.values()) worker.process.kill('SIGTERM');
    const deadline = setTimeout(() => {
      logger.warn('workers did not stop in time');
      process.exit(0);
    }, config.shutdownTimeoutMs + 5000);
    const check = () => {
      if (workers.size > 0) return;
      clearTimeout(deadline);
      admin?.close();
      logger.info('stopped');
      process.exit(0);
    };
    cluster.on('exit', check);
    check();
  };
  process.on('SIGTERM', () => stop('SIGTERM'));
  process.on('SIGINT', () => stop('SIGINT'));
}

// Wires one running shadowdiff: proxy listener, admin listener, upstream agents, shadower. The
// returned handle is what the CLI and the tests drive.
import { createAdaptorServer } from '@hono/node-server';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createMetrics, type Metrics } from './admin/metrics';
import { createAdminApp } from './admin/server';
import type { Config, RoutePlan } from './config/resolve';
import { createLogger, type Logger } from './log';
import { createProxyHandler, sendError } from './proxy/handler';
import { Router } from './proxy/routes';
import { createAgent } from './proxy/upstream';
import { createDiffPipeline } from './events/pipeline';
import { AnalysisPool } from './events/pool';
import type { ExchangeHandler } from './shadow/exchange';
import { OverloadGuard } from './shadow/overload';
import { Shadower } from './shadow/shadower';
import { KafkaSink, keyFunction } from './sink/kafka';
import { NdjsonSink } from './sink/ndjson';
import type { EventSink } from './sink/sink';
import { InFlight } from './util/in-flight';

export interface StartOptions {
  readonly logger?: Logger;
  /** Where events go; defaults to the sink the config names. */
  readonly sink?: EventSink;
  /** Replaces the diff pipeline: receives every captured pair as it is. */
  readonly onExchange?: ExchangeHandler;
  /** Runs without the admin listener (cluster workers: the primary serves it). */
  readonly withoutAdmin?: boolean;
}

export interface Running {
  readonly proxyUrl: string;
  readonly adminUrl?: string;
  readonly metrics: Metrics;
  readonly sink: EventSink;
  /** Stops accepting, lets in-flight requests and shadows finish within the shutdown deadline. */
  shutdown(): Promise<{ drained: boolean }>;
}

export async function start(config: Config, options: StartOptions = {}): Promise<Running> {
  const logger = options.logger ?? createLogger(config.log.level);
  const metrics = createMetrics();
  const referenceAgent = createAgent();
  // A separate pool: a slow candidate can exhaust its own sockets, never the reference's.
  const shadowAgent = createAgent({ connections: config.maxShadowInFlight });
  const sink = options.sink ?? createSink(config, metrics, logger);
  const pool = config.workerThreads > 0 ? new AnalysisPool(config.workerThreads) : undefined;
  const overload = watchOverload(config, metrics, logger, (): number => shadower.started);
  const shadower = new Shadower({
    agent: shadowAgent,
    metrics,
    logger,
    maxInFlight: config.maxShadowInFlight,
    overload,
    onExchange: options.onExchange ?? createDiffPipeline({ config, sink, metrics, ...(pool ? { pool } : {}) }),
    // Large comparisons waiting for a worker mean the shadow path is behind: stop adding to it.
    ...(pool ? { isBacklogged: () => pool.queued >= config.workerThreads * 4 } : {}),
  });
  const router = new Router<RoutePlan>();
  for (const route of config.routes) router.add(route.pattern, route, route.methods);

  let draining = false;
  const requests = new InFlight();
  const handle = createProxyHandler({ config, router, agent: referenceAgent, shadower, metrics, logger, requests, isDraining: () => draining });

  // The proxy listener is plain node:http: every request takes one path, and going through a
  // web-style router and Request object measurably cost the reference path (the admin API keeps Hono).
  const proxyServer = createServer((req, res) => {
    handle(req, res).catch((err: unknown) => {
      logger.error({ err: { message: (err as Error)?.message } }, 'proxy handler failed');
      sendError(res, 500, 'internal_error', 'shadowdiff failed to handle this request');
    });
  });
  const proxyAddress = await listen(proxyServer, config.listen.host, config.listen.port);

  let adminServer: Server | undefined;
  let adminAddress: AddressInfo | undefined;
  if (config.admin.enabled && !options.withoutAdmin) {
    const adminApp = createAdminApp(metrics.registry, [{ name: 'proxy', check: () => (draining ? 'shutting down' : undefined) }], () => {
      const { kind, problem } = sink.status();
      return { sink: { kind, ok: problem === undefined, ...(problem ? { problem } : {}), ...sink.details?.() } };
    });
    adminServer = createAdaptorServer({ fetch: adminApp.fetch }) as Server;
    try {
      adminAddress = await listen(adminServer, config.admin.host, config.admin.port);
    } catch (err) {
      proxyServer.close();
      throw err;
    }
  }

  sink.start?.();

  const shutdown = async (): Promise<{ drained: boolean }> => {
    if (draining) return { drained: false };
    draining = true;
    const deadline = Date.now() + config.shutdownTimeoutMs;
    const closed = new Promise<void>((resolve) => proxyServer.close(() => resolve()));
    proxyServer.closeIdleConnections();
    const requestsDone = await requests.idle(config.shutdownTimeoutMs);
    const shadowsDone = await shadower.drain(Math.max(0, deadline - Date.now()));
    proxyServer.closeAllConnections();
    await closed;
    await sink.close(Math.max(1000, deadline - Date.now()));
    overload.stop();
    await Promise.all([referenceAgent.destroy(), shadowAgent.destroy(), pool?.close()]);
    if (adminServer) {
      adminServer.closeAllConnections();
      await new Promise<void>((resolve) => adminServer!.close(() => resolve()));
    }
    return { drained: requestsDone && shadowsDone };
  };

  return {
    proxyUrl: urlOf(proxyAddress),
    ...(adminAddress ? { adminUrl: urlOf(adminAddress) } : {}),
    metrics,
    sink,
    shutdown,
  };
}

function createSink(config: Config, metrics: Metrics, logger: Logger): EventSink {
  if (config.kafka) return new KafkaSink(config.kafka, keyFunction(config.kafka.keys), metrics, logger);
  return config.sink.type === 'stdout' ? NdjsonSink.toStdout(metrics, config.sink.maxPending) : NdjsonSink.toFile(config.sink.path, metrics, config.sink.maxPending);
}

export class ListenError extends Error {
  constructor(readonly host: string, readonly port: number, readonly code: string | undefined) {
    const why = code === 'EADDRINUSE' ? 'address already in use' : code === 'EACCES' ? 'permission denied' : code === 'EADDRNOTAVAIL' ? 'address not available' : (code ?? 'unknown error');
    super(`cannot listen on ${host}:${port}: ${why}`);
  }
}

function listen(server: Server, host: string, port: number): Promise<AddressInfo> {
  return new Promise((resolve, reject) => {
    server.once('error', (err: NodeJS.ErrnoException) => reject(new ListenError(host, port, err.code)));
    server.listen(port, host, () => resolve(server.address() as AddressInfo));
  });
}

/** The overload guard, reporting to the metrics and logging once when shedding starts and once when it ends. */
function watchOverload(config: Config, metrics: Metrics, logger: Logger, shadowsStarted: () => number): OverloadGuard {
  let shedding = false;
  metrics.shadowAdmitRatio.set(1);
  return new OverloadGuard({
    maxUtilization: config.maxLoopUtilization,
    shadowsStarted,
    onSample: (utilization, ratio) => {
      metrics.eventLoopUtilization.set(utilization);
      metrics.shadowAdmitRatio.set(ratio);
      if (!shedding && ratio < 1) {
        shedding = true;
        const facts = { utilization: Math.round(utilization * 100) / 100, max: config.maxLoopUtilization };
        logger.warn(facts, 'event loop busy: shedding a share of shadows to protect client latency (shadow.max_loop_utilization)');
      } else if (shedding && ratio >= 1) {
        shedding = false;
        logger.info('event loop has room again: shadowing every eligible request');
      }
    },
  });
}

function urlOf(address: AddressInfo): string {
  const host = address.family === 'IPv6' ? `[${address.address}]` : address.address;
  return `http://${host}:${address.port}`;
}

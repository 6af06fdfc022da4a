// Starts shadowdiff in-process from TOML text, on ephemeral ports, with logs kept in memory.
import { request as httpRequest, type OutgoingHttpHeaders } from 'node:http';
import { Writable } from 'node:stream';
import { request } from 'undici';
import { start, type Running } from '../../src/app';
import { parseConfig } from '../../src/config/load';
import type { ExchangeHandler, ShadowExchange } from '../../src/shadow/exchange';
import { createLogger } from '../../src/log';
import { Arrivals } from './arrivals';
import type { DiffEvent } from '../../src/events/types';
import type { EventSink } from '../../src/sink/sink';

export interface TestProxy extends Running {
  readonly logs: string[];
  /** Events the diff pipeline published (unless the test replaced the sink or the pipeline). */
  readonly events: MemorySink;
  /** Value of one sample of a metric, e.g. metric('shadowdiff_shadow_skipped_total', { reason: 'loop' }). */
  metric(name: string, labels?: Record<string, string>): Promise<number>;
}

/** Listeners on ephemeral loopback ports, for any config a test writes. */
export const LISTEN = `
[listen]
host = "127.0.0.1"
port = 0
[admin]
host = "127.0.0.1"
port = 0
`;

/** Keeps published events in memory and lets a test wait for them. */
export class MemorySink implements EventSink {
  private readonly arrivals = new Arrivals<DiffEvent>();

  get events(): DiffEvent[] {
    return this.arrivals.items;
  }

  publish(event: DiffEvent): void {
    // Through JSON, as any real sink would, so tests see exactly what a consumer reads.
    this.arrivals.push(JSON.parse(JSON.stringify(event)));
  }

  received(count = 1): Promise<DiffEvent[]> {
    return this.arrivals.received(count);
  }

  status() {
    return { kind: 'memory' };
  }

  async close(): Promise<void> {}
}

export interface TestProxyOptions {
  /** Replaces the diff pipeline. */
  readonly onExchange?: ExchangeHandler;
  /** Replaces the in-memory sink (then `events` stays empty). */
  readonly sink?: EventSink;
  /** Use the sink the config names (Kafka, file), as the CLI does. */
  readonly configuredSink?: boolean;
  /**
   * The overload guard's limit. Tests run with 1 (never shed) unless they test the guard: a busy
   * test process must not turn "every request is shadowed" into a coin toss.
   */
  readonly maxLoopUtilization?: number;
}

export async function startProxy(toml: string, options: TestProxyOptions = {}): Promise<TestProxy> {
  const config = { ...parseConfig(LISTEN + toml, 'test.toml'), maxLoopUtilization: options.maxLoopUtilization ?? 1 };
  const logs: string[] = [];
  const sink = new Writable({
    write(chunk, _enc, done) {
      logs.push(String(chunk));
      done();
    },
  });
  const events = new MemorySink();
  const chosenSink = options.configuredSink ? {} : { sink: options.sink ?? events };
  const running = await start(config, { logger: createLogger('info', sink), ...chosenSink, ...(options.onExchange ? { onExchange: options.onExchange } : {}) });
  return {
    ...running,
    logs,
    events,
    async metric(name, labels = {}) {
      const metric = running.metrics.registry.getSingleMetric(name);
      if (!metric) throw new Error(`no metric ${name}`);
      const { values } = await metric.get();
      const match = values.find((v) => Object.entries(labels).every(([k, value]) => String((v.labels as Record<string, unknown>)[k]) === value));
      return match?.value ?? 0;
    },
  };
}

/** Collects exchanges handed to the seam and lets a test wait for the next ones. */
export function exchangeCollector() {
  const arrivals = new Arrivals<ShadowExchange>();
  const handler: ExchangeHandler = (exchange) => arrivals.push(exchange);
  return { handler, exchanges: arrivals.items, received: (count = 1) => arrivals.received(count) };
}

export interface ClientResponse {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: Buffer;
}

/** A plain client call; bodies are returned as raw bytes (never decompressed). */
export async function call(url: string, options: Parameters<typeof request>[1] = {}): Promise<ClientResponse> {
  const res = await request(url, options);
  const body = Buffer.from(await res.body.arrayBuffer());
  return { status: res.statusCode, headers: res.headers, body };
}

/** Polls `probe` until it returns true, failing after the deadline. For state with no event to wait on. */
export async function eventually(probe: () => boolean | Promise<boolean>, what: string, deadlineMs = 10_000): Promise<void> {
  const until = Date.now() + deadlineMs;
  while (!(await probe())) {
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

/** A call through node:http, for headers undici refuses to send (Connection, for one). */
export function rawCall(url: string, method: string, headers: OutgoingHttpHeaders, body?: string): Promise<ClientResponse> {
  return new Promise((resolve, reject) => {
    const req = httpRequest(url, { method, headers, agent: false }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode!, headers: res.headers, body: Buffer.concat(chunks) }));
    });
    req.on('error', reject);
    req.end(body);
  });
}

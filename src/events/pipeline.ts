// The exchange handler that turns captured pairs into published diff events:
// analyse (inline, or in a worker for large bodies) -> build the event -> sink.
import type { Metrics } from '../admin/metrics';
import type { Config, RoutePlan } from '../config/resolve';
import type { ExchangeHandler, ShadowExchange } from '../shadow/exchange';
import type { EventSink } from '../sink/sink';
import { analyze, type AnalysisInput } from './analyze';
import { buildEvent } from './build';
import type { AnalysisPool } from './pool';
import { redactorFor } from './redact';

export interface PipelineOptions {
  readonly config: Config;
  readonly sink: EventSink;
  readonly metrics: Metrics;
  /** Absent: every comparison runs inline. */
  readonly pool?: AnalysisPool;
}

export function createDiffPipeline({ config, sink, metrics, pool }: PipelineOptions): ExchangeHandler {
  const routes = new Map(config.routes.map((plan) => [plan.name, plan]));

  return async (exchange: ShadowExchange) => {
    const plan = routes.get(exchange.route.name);
    if (!plan) return;
    const started = performance.now();
    const input = analysisInput(exchange, plan, config.events.sampleBytes);
    const large = pool !== undefined && bodyBytes(input) > config.workerThresholdBytes;
    const analysis = large ? await pool.run(input) : analyze(input);
    const event = buildEvent(exchange, analysis, redactorFor(plan.name, plan.redaction), config.events);
    metrics.compareDuration.observe({ mode: large ? 'worker' : 'inline' }, (performance.now() - started) / 1000);
    metrics.diffEvents.inc({ route: event.route.name, outcome: event.outcome });
    if (event.outcome === 'match' && !config.events.emitMatches) return;
    sink.publish(event);
  };
}

function analysisInput(exchange: ShadowExchange, plan: RoutePlan, sampleBytes: number): AnalysisInput {
  const input: { -readonly [K in keyof AnalysisInput]: AnalysisInput[K] } = {
    rules: plan.compare,
    redaction: plan.redaction,
    sampleBytes,
    request: { body: exchange.request.body, headers: exchange.request.headers },
  };
  if (exchange.reference.response) input.reference = exchange.reference.response;
  if (exchange.candidate.response) input.candidate = exchange.candidate.response;
  if (exchange.secondary?.response) input.secondary = exchange.secondary.response;
  return input;
}

function bodyBytes(input: AnalysisInput): number {
  return input.request.body.length + (input.reference?.body.length ?? 0) + (input.candidate?.body.length ?? 0) + (input.secondary?.body.length ?? 0);
}

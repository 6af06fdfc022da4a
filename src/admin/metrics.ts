// Every metric shadowdiff exports, in one registry per running instance (so tests and the cluster
// workers never collide on a global one). Names are documented in the README.
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

const LATENCY_BUCKETS = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30];

export function createMetrics() {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry });
  const registers = [registry];
  return {
    registry,
    requests: new Counter({
      name: 'shadowdiff_requests_total',
      help: 'Client requests answered, by route, method and status sent to the client.',
      labelNames: ['route', 'method', 'status'] as const,
      registers,
    }),
    upstreamDuration: new Histogram({
      name: 'shadowdiff_upstream_duration_seconds',
      help: 'Time from sending an upstream request to its last body byte, by role and route.',
      labelNames: ['role', 'route'] as const,
      buckets: LATENCY_BUCKETS,
      registers,
    }),
    upstreamErrors: new Counter({
      name: 'shadowdiff_upstream_errors_total',
      help: 'Upstream calls that failed without a response, by role, route and reason (refused, reset, timeout, ...).',
      labelNames: ['role', 'route', 'reason'] as const,
      registers,
    }),
    shadowed: new Counter({
      name: 'shadowdiff_shadow_requests_total',
      help: 'Shadow calls finished, by route and result (response, error, timeout).',
      labelNames: ['route', 'result'] as const,
      registers,
    }),
    shadowSkipped: new Counter({
      name: 'shadowdiff_shadow_skipped_total',
      help: 'Requests not shadowed, by route and reason (method, sampled_out, in_flight_full, ...).',
      labelNames: ['route', 'reason'] as const,
      registers,
    }),
    shadowInFlight: new Gauge({
      name: 'shadowdiff_shadow_in_flight',
      help: 'Shadow calls under way now.',
      registers,
    }),
    shadowAdmitRatio: new Gauge({
      name: 'shadowdiff_shadow_admit_ratio',
      help: 'Share of shadowable requests admitted now; below 1 while the event loop is over shadow.max_loop_utilization.',
      aggregator: 'average',
      registers,
    }),
    eventLoopUtilization: new Gauge({
      name: 'shadowdiff_event_loop_utilization',
      help: 'Share of the last interval the proxy event loop was busy (0..1), as the overload guard saw it.',
      aggregator: 'average',
      registers,
    }),
    requestsInFlight: new Gauge({
      name: 'shadowdiff_requests_in_flight',
      help: 'Client requests being answered now.',
      registers,
    }),
    diffEvents: new Counter({
      name: 'shadowdiff_diff_events_total',
      help: 'Compared requests, by route and outcome (match, mismatch, candidate_error, candidate_timeout, reference_error, skipped).',
      labelNames: ['route', 'outcome'] as const,
      registers,
    }),
    compareDuration: new Histogram({
      name: 'shadowdiff_compare_duration_seconds',
      help: 'Time to compare one pair and build its event, by where it ran (inline or worker).',
      labelNames: ['mode'] as const,
      buckets: [0.0001, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1],
      registers,
    }),
    eventsPublished: new Counter({
      name: 'shadowdiff_events_published_total',
      help: 'Diff events written by the sink, by sink.',
      labelNames: ['sink'] as const,
      registers,
    }),
    eventsDropped: new Counter({
      name: 'shadowdiff_events_dropped_total',
      help: 'Diff events lost, by reason (sink_full, sink_failed, ...).',
      labelNames: ['reason'] as const,
      registers,
    }),
    kafkaConnected: new Gauge({
      name: 'shadowdiff_kafka_connected',
      help: '1 while the Kafka producer is connected, else 0.',
      registers,
    }),
    kafkaQueueDepth: new Gauge({
      name: 'shadowdiff_kafka_queue_depth',
      help: 'Events waiting in memory for Kafka.',
      registers,
    }),
    kafkaOutboxBytes: new Gauge({
      name: 'shadowdiff_kafka_outbox_bytes',
      help: 'Bytes in the outbox file waiting to be replayed to Kafka.',
      registers,
    }),
    kafkaSpilled: new Counter({
      name: 'shadowdiff_kafka_spilled_total',
      help: 'Events written to the outbox file because Kafka was slow or away (or at shutdown).',
      registers,
    }),
    kafkaSendFailures: new Counter({
      name: 'shadowdiff_kafka_send_failures_total',
      help: 'Batches Kafka did not accept; each is retried.',
      registers,
    }),
    kafkaRequests: new Counter({
      name: 'shadowdiff_kafka_requests_total',
      help: 'Requests the Kafka client sent, by API (Produce, Metadata, ...).',
      labelNames: ['api'] as const,
      registers,
    }),
    exchangeHandlerErrors: new Counter({
      name: 'shadowdiff_exchange_handler_errors_total',
      help: 'Captured exchanges whose processing (diff, publish) threw; each is also logged.',
      registers,
    }),
  };
}

export type Metrics = ReturnType<typeof createMetrics>;

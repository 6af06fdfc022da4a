// Turns a validated config file into the runtime plan: defaults merged into every route, patterns
// compiled, URLs parsed. Cross-field rules (unique names, a reference for every route, unsafe
// methods only by route opt-in) are checked here, with the same file/key/reason errors.
import { randomBytes } from 'node:crypto';
import { availableParallelism } from 'node:os';
import { DEFAULT_COMPARED_HEADERS } from '../diff/compare';
import type { CompareRules } from '../diff/types';
import { DEFAULT_REDACTED_JSON_KEYS, DEFAULT_REDACTED_QUERY, type RedactionRules } from '../events/redact';
import { compilePattern, PatternError, type CompiledPattern } from '../proxy/routes';
import { compilePathGlobs, type SampleKey, type ShadowPolicy } from '../shadow/policy';
import type { ConfigIssue } from './errors';
import { SAFE_METHODS, type ConfigFile, type HttpMethod, type RouteEntry } from './schema';

export interface RoutePlan {
  readonly name: string;
  readonly pattern: CompiledPattern;
  /** Methods the route matches; undefined for all. */
  readonly methods?: ReadonlySet<HttpMethod>;
  readonly reference: URL;
  readonly candidate?: URL;
  readonly secondary?: URL;
  readonly timeoutMs: number;
  readonly hostHeader: 'upstream' | 'preserve';
  readonly shadow: ShadowPolicy;
  readonly compare: CompareRules;
  readonly redaction: RedactionRules;
}

export interface KafkaSettings {
  readonly brokers: readonly string[];
  readonly topic: string;
  readonly clientId: string;
  readonly createTopic: boolean;
  readonly partitions: number;
  readonly replicationFactor: number;
  /** -1 all in-sync replicas, 1 the leader, 0 none. */
  readonly acks: -1 | 0 | 1;
  readonly compression: 'gzip' | 'none';
  readonly lingerMs: number;
  readonly batchMaxEvents: number;
  readonly batchMaxBytes: number;
  readonly requestTimeoutMs: number;
  readonly maxQueueEvents: number;
  readonly outboxPath: string;
  readonly outboxMaxBytes: number;
  readonly ssl?: { readonly caFile?: string; readonly certFile?: string; readonly keyFile?: string; readonly rejectUnauthorized: boolean };
  readonly sasl?: { readonly mechanism: 'plain' | 'scram-sha-256' | 'scram-sha-512'; readonly username: string; readonly password: string };
  /** Route name -> key spec ("route", "param:<name>", "literal:<text>"). */
  readonly keys: ReadonlyMap<string, string>;
}

export interface EventSettings {
  readonly emitMatches: boolean;
  readonly sampleBytes: number;
  readonly maxDifferences: number;
  readonly maxValueChars: number;
  readonly maxEventBytes: number;
}

export interface Config {
  /** The file this came from, for messages. */
  readonly source: string;
  /** `workers` proxy processes share the port (node:cluster); 1 runs in this process. */
  readonly listen: { readonly host: string; readonly port: number; readonly workers: number };
  readonly admin: { readonly enabled: boolean; readonly host: string; readonly port: number };
  readonly log: { readonly level: string; readonly accessLog: boolean };
  readonly shutdownTimeoutMs: number;
  readonly maxShadowInFlight: number;
  /** Event-loop utilisation above which shadows are shed (1: never). */
  readonly maxLoopUtilization: number;
  readonly routes: readonly RoutePlan[];
  /** Where unmatched requests go; undefined means they get 404. Never shadowed. */
  readonly unmatched?: RoutePlan;
  readonly events: EventSettings;
  readonly sink: { readonly type: 'file' | 'stdout'; readonly path: string; readonly maxPending: number };
  /** Present when brokers are configured: events go to Kafka instead of `sink`. */
  readonly kafka?: KafkaSettings;
  /** Bodies larger than this (request + responses) are compared in a worker thread. */
  readonly workerThresholdBytes: number;
  /** Size of the comparison worker pool; 0 compares everything on the main thread. */
  readonly workerThreads: number;
}

export const SHADOW_DEFAULTS = {
  enabled: true,
  mode: 'after',
  methods: SAFE_METHODS,
  sample_percent: 100,
  max_request_bytes: 1024 * 1024,
  max_response_bytes: 4 * 1024 * 1024,
  timeout_ms: 5_000,
} as const;

export function resolveConfig(file: ConfigFile, source: string): { config?: Config; issues: ConfigIssue[] } {
  const issues: ConfigIssue[] = [];
  const unsafeDefaults = (file.shadow.methods ?? []).filter((m) => !SAFE_METHODS.includes(m));
  if (unsafeDefaults.length > 0) {
    issues.push({
      key: 'shadow.methods',
      reason: `unsafe methods (${unsafeDefaults.join(', ')}) are shadowed only when a route opts in: list them in routes[n].shadow.methods`,
    });
  }

  const redactionKey = file.redaction.key ?? randomBytes(32).toString('hex');
  const seen = new Map<string, number>();
  const routes: RoutePlan[] = [];
  file.routes.forEach((entry, index) => {
    const key = `routes[${index}]`;
    const previous = seen.get(entry.name);
    if (previous !== undefined) issues.push({ key: `${key}.name`, reason: `"${entry.name}" is already used by routes[${previous}]` });
    seen.set(entry.name, index);

    let pattern: CompiledPattern | undefined;
    try {
      pattern = compilePattern(entry.path);
    } catch (err) {
      if (!(err instanceof PatternError)) throw err;
      issues.push({ key: `${key}.path`, reason: err.message });
    }
    const reference = entry.reference ?? file.upstreams.reference;
    if (!reference) {
      issues.push({ key: `${key}.reference`, reason: 'is required: set it here or set upstreams.reference' });
    }
    if (pattern && entry.kafka_key?.startsWith('param:')) {
      const name = entry.kafka_key.slice('param:'.length);
      if (!pattern.segments.some((s) => s.kind !== 'static' && s.name === name)) {
        issues.push({ key: `${key}.kafka_key`, reason: `names parameter "${name}", which ${entry.path} does not have` });
      }
    }
    if (pattern && reference) routes.push(routePlan(file, entry, pattern, reference, redactionKey));
  });

  let unmatched: RoutePlan | undefined;
  if (file.proxy.unmatched === 'proxy') {
    if (file.upstreams.reference) {
      unmatched = {
        name: 'unmatched',
        pattern: compilePattern('/{*path}'),
        reference: new URL(file.upstreams.reference),
        timeoutMs: file.proxy.timeout_ms,
        hostHeader: file.proxy.host_header,
        shadow: shadowPolicy(file, { enabled: false }),
        compare: compareRules(file, 'unmatched', {}),
        redaction: redactionRules(file, [], redactionKey),
      };
    } else if (file.routes.length === 0) {
      issues.push({ key: 'upstreams.reference', reason: 'is required when there are no routes (nothing to proxy to)' });
    }
  }

  if (issues.length > 0) return { issues };
  return {
    issues,
    config: {
      source,
      listen: file.listen,
      admin: file.admin,
      log: { level: file.log.level, accessLog: file.log.access_log },
      shutdownTimeoutMs: file.proxy.shutdown_timeout_ms,
      maxShadowInFlight: file.shadow.max_in_flight,
      maxLoopUtilization: file.shadow.max_loop_utilization,
      routes,
      ...(unmatched ? { unmatched } : {}),
      events: {
        emitMatches: file.events.emit_matches,
        sampleBytes: file.events.sample_bytes,
        maxDifferences: file.events.max_differences,
        maxValueChars: file.events.max_value_chars,
        maxEventBytes: file.events.max_event_bytes,
      },
      sink: { type: file.sink.type, path: file.sink.path, maxPending: file.sink.max_pending },
      ...(file.kafka.brokers.length > 0 ? { kafka: kafkaSettings(file) } : {}),
      workerThresholdBytes: file.compare.worker_threshold_bytes,
      workerThreads: file.compare.worker_threads ?? defaultWorkerThreads(),
    },
  };
}

function routePlan(file: ConfigFile, entry: RouteEntry, pattern: CompiledPattern, reference: string, redactionKey: string): RoutePlan {
  const candidate = entry.candidate ?? file.upstreams.candidate;
  const secondary = entry.secondary ?? file.upstreams.secondary;
  const overrides = candidate ? (entry.shadow ?? {}) : { ...entry.shadow, enabled: false };
  return {
    name: entry.name,
    pattern,
    ...(entry.methods ? { methods: new Set(entry.methods) } : {}),
    reference: new URL(reference),
    ...(candidate ? { candidate: new URL(candidate) } : {}),
    ...(candidate && secondary ? { secondary: new URL(secondary) } : {}),
    timeoutMs: entry.timeout_ms ?? file.proxy.timeout_ms,
    hostHeader: entry.host_header ?? file.proxy.host_header,
    shadow: shadowPolicy(file, overrides),
    compare: compareRules(file, entry.name, entry.compare ?? {}),
    redaction: redactionRules(file, entry.redact_json_paths ?? [], redactionKey),
  };
}

type CompareSettings = NonNullable<RouteEntry['compare']>;

/** Lists add up (defaults, then the route's); single values are the route's when set. */
function compareRules(file: ConfigFile, key: string, route: CompareSettings): CompareRules {
  const defaults = file.compare;
  const ignoredHeaders = new Set([...(defaults.ignore_headers ?? []), ...(route.ignore_headers ?? [])].map((h) => h.toLowerCase()));
  const headers = [...new Set([...DEFAULT_COMPARED_HEADERS, ...(defaults.headers ?? []), ...(route.headers ?? [])].map((h) => h.toLowerCase()))];
  return {
    key,
    headers: headers.filter((h) => !ignoredHeaders.has(h)),
    ignore: [...(defaults.ignore ?? []), ...(route.ignore ?? [])],
    arrayKeys: { ...defaults.array_keys, ...route.array_keys },
    unordered: [...(defaults.unordered ?? []), ...(route.unordered ?? [])],
    tolerance: route.tolerance ?? defaults.tolerance ?? { absolute: 0, relative: 0 },
    ignoreAdded: route.ignore_added ?? defaults.ignore_added ?? false,
    noise: route.noise ?? defaults.noise ?? [],
  };
}

function redactionRules(file: ConfigFile, routePaths: readonly string[], key: string): RedactionRules {
  const r = file.redaction;
  return {
    headers: r.headers.map((h) => h.toLowerCase()),
    query: [...(r.defaults ? DEFAULT_REDACTED_QUERY : []), ...r.query],
    jsonPaths: [...r.json_paths, ...routePaths],
    jsonKeys: [...(r.defaults ? DEFAULT_REDACTED_JSON_KEYS : []), ...r.json_keys],
    key,
  };
}

function kafkaSettings(file: ConfigFile): KafkaSettings {
  const k = file.kafka;
  const ssl = k.ssl?.enabled
    ? {
        rejectUnauthorized: k.ssl.reject_unauthorized,
        ...(k.ssl.ca_file ? { caFile: k.ssl.ca_file } : {}),
        ...(k.ssl.cert_file ? { certFile: k.ssl.cert_file } : {}),
        ...(k.ssl.key_file ? { keyFile: k.ssl.key_file } : {}),
      }
    : undefined;
  return {
    brokers: k.brokers,
    topic: k.topic,
    clientId: k.client_id,
    createTopic: k.create_topic,
    partitions: k.partitions,
    replicationFactor: k.replication_factor,
    acks: k.acks === 'all' ? -1 : k.acks === 'leader' ? 1 : 0,
    compression: k.compression,
    lingerMs: k.linger_ms,
    batchMaxEvents: k.batch_max_events,
    batchMaxBytes: k.batch_max_bytes,
    requestTimeoutMs: k.request_timeout_ms,
    maxQueueEvents: k.max_queue_events,
    outboxPath: k.outbox_path,
    outboxMaxBytes: k.outbox_max_bytes,
    ...(ssl ? { ssl } : {}),
    ...(k.sasl ? { sasl: { mechanism: k.sasl.mechanism, username: k.sasl.username, password: k.sasl.password } } : {}),
    keys: new Map(file.routes.map((r) => [r.name, r.kafka_key ?? 'route'])),
  };
}

function defaultWorkerThreads(): number {
  // Leave one core to the event loop; at least one worker so large bodies never block it.
  return Math.max(1, Math.min(4, availableParallelism() - 1));
}

type ShadowSettings = NonNullable<RouteEntry['shadow']>;

function shadowPolicy(file: ConfigFile, route: ShadowSettings): ShadowPolicy {
  const pick = <K extends keyof ShadowSettings & keyof typeof SHADOW_DEFAULTS>(key: K) =>
    (route[key] ?? file.shadow[key] ?? SHADOW_DEFAULTS[key]) as NonNullable<ShadowSettings[K]>;
  const exclude = [...(file.shadow.exclude ?? []), ...(route.exclude ?? [])];
  const sampleKey = route.sample_key ?? file.shadow.sample_key;
  return {
    enabled: pick('enabled'),
    mode: pick('mode'),
    methods: new Set(pick('methods')),
    samplePercent: pick('sample_percent'),
    ...(sampleKey ? { sampleKey: parseSampleKey(sampleKey) } : {}),
    isExcluded: compilePathGlobs(exclude),
    maxRequestBytes: pick('max_request_bytes'),
    maxResponseBytes: pick('max_response_bytes'),
    timeoutMs: pick('timeout_ms'),
  };
}

function parseSampleKey(text: string): SampleKey {
  const [source, name] = text.split(':', 2) as ['header' | 'query', string];
  return { source, name: source === 'header' ? name.toLowerCase() : name };
}

// The shape of config.toml, as a user writes it (snake_case keys). Validation lives here and only
// here; `resolve.ts` turns a valid file into the runtime plan the proxy uses.
import { z } from 'zod';

export const HTTP_METHODS = ['GET', 'HEAD', 'OPTIONS', 'POST', 'PUT', 'PATCH', 'DELETE', 'TRACE', 'CONNECT'] as const;
export type HttpMethod = (typeof HTTP_METHODS)[number];
/** RFC 9110 §9.2.1: only these may be repeated against production without side effects. */
export const SAFE_METHODS: readonly HttpMethod[] = ['GET', 'HEAD', 'OPTIONS'];

const port = z.number().int('must be a whole number').min(0, 'must be 0..65535').max(65535, 'must be 0..65535');
const positiveInt = z.number().int('must be a whole number').positive('must be greater than 0');
const host = z.string().min(1, 'must not be empty');

const upstreamUrl = z.string().superRefine((value, ctx) => {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    ctx.addIssue({ code: 'custom', message: `must be an http:// or https:// URL, got ${JSON.stringify(value)}` });
    return;
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    ctx.addIssue({ code: 'custom', message: `must be an http:// or https:// URL, got ${JSON.stringify(url.protocol)}` });
  } else if (url.username || url.password) {
    // Credentials in URLs end up in logs and events; upstream auth belongs in the forwarded headers.
    ctx.addIssue({ code: 'custom', message: 'must not contain credentials (user:password@)' });
  } else if (url.search || url.hash) {
    ctx.addIssue({ code: 'custom', message: 'must not contain a query or fragment' });
  }
});

const method = z
  .string()
  .transform((m) => m.toUpperCase())
  .pipe(z.enum(HTTP_METHODS, { error: (issue) => `unknown HTTP method ${JSON.stringify(issue.input)}` }));

const sampleKey = z
  .string()
  .regex(/^(header|query):[A-Za-z0-9!#$%&'*+.^_`|~-]+$/, 'must be "header:<name>" or "query:<name>"');

const pathGlob = z.string().startsWith('/', 'must start with "/"');

/** Shadow settings a route may override; `[shadow]` holds their defaults. */
const shadowOverrides = {
  enabled: z.boolean().optional(),
  mode: z.enum(['after', 'parallel']).optional(),
  methods: z.array(method).optional(),
  sample_percent: z.number().min(0, 'must be 0..100').max(100, 'must be 0..100').optional(),
  sample_key: sampleKey.optional(),
  exclude: z.array(pathGlob).optional(),
  max_request_bytes: positiveInt.optional(),
  max_response_bytes: positiveInt.optional(),
  timeout_ms: positiveInt.optional(),
};

const hostHeader = z.enum(['upstream', 'preserve']);

const pointerGlob = z.string().regex(/^(\/[^/]*)*$/, 'must be a JSON Pointer ("" or starting with "/"), "*" for any one segment');
const headerName = z.string().regex(/^[A-Za-z0-9!#$%&'*+.^_`|~-]+$/, 'must be a header name');

/** Comparison rules a route may override; `[compare]` holds their defaults. */
const compareOverrides = {
  headers: z.array(headerName).optional(),
  ignore_headers: z.array(headerName).optional(),
  ignore: z.array(pointerGlob).optional(),
  array_keys: z.record(pointerGlob, z.string().min(1, 'must name the key field')).optional(),
  unordered: z.array(pointerGlob).optional(),
  tolerance: z
    .strictObject({
      absolute: z.number().min(0, 'must be 0 or more').default(0),
      relative: z.number().min(0, 'must be 0 or more').default(0),
    })
    .optional(),
  ignore_added: z.boolean().optional(),
  noise: z.array(z.enum(['timestamp', 'uuid', 'request_id'])).optional(),
};

export const routeSchema = z.strictObject({
  name: z.string().regex(/^[A-Za-z0-9][A-Za-z0-9_.-]*$/, 'must be letters, digits, "_", "." or "-"'),
  path: z.string().startsWith('/', 'must start with "/"'),
  methods: z.array(method).min(1, 'must list at least one method').optional(),
  reference: upstreamUrl.optional(),
  candidate: upstreamUrl.optional(),
  secondary: upstreamUrl.optional(),
  timeout_ms: positiveInt.optional(),
  host_header: hostHeader.optional(),
  shadow: z.strictObject(shadowOverrides).optional(),
  compare: z.strictObject(compareOverrides).optional(),
  redact_json_paths: z.array(pointerGlob).optional(),
  kafka_key: z.string().regex(/^(route|param:[A-Za-z_][A-Za-z0-9_]*|literal:.+)$/, 'must be "route", "param:<name>" or "literal:<text>"').optional(),
});

export const fileSchema = z.strictObject({
  listen: z
    .strictObject({
      host: host.default('0.0.0.0'),
      port: port.default(8080),
      workers: z.number().int('must be a whole number').min(1, 'must be 1 or more').max(64, 'must be 64 or fewer').default(1),
    })
    .prefault({}),
  admin: z
    .strictObject({
      enabled: z.boolean().default(true),
      host: host.default('127.0.0.1'),
      port: port.default(9090),
    })
    .prefault({}),
  log: z
    .strictObject({
      level: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
      access_log: z.boolean().default(true),
    })
    .prefault({}),
  upstreams: z
    .strictObject({
      reference: upstreamUrl.optional(),
      candidate: upstreamUrl.optional(),
      secondary: upstreamUrl.optional(),
    })
    .prefault({}),
  proxy: z
    .strictObject({
      timeout_ms: positiveInt.default(30_000),
      host_header: hostHeader.default('upstream'),
      unmatched: z.enum(['proxy', 'not_found']).default('proxy'),
      shutdown_timeout_ms: positiveInt.default(10_000),
    })
    .prefault({}),
  shadow: z
    .strictObject({
      ...shadowOverrides,
      max_in_flight: positiveInt.default(256),
      max_loop_utilization: z.number().gt(0, 'must be more than 0').max(1, 'must be at most 1 (1 never sheds)').default(0.6),
    })
    .prefault({}),
  compare: z
    .strictObject({
      ...compareOverrides,
      worker_threshold_bytes: positiveInt.default(16 * 1024),
      worker_threads: z.number().int('must be a whole number').min(0, 'must be 0 or more').optional(),
    })
    .prefault({}),
  events: z
    .strictObject({
      emit_matches: z.boolean().default(true),
      sample_bytes: z.number().int('must be a whole number').min(0, 'must be 0 or more').default(2048),
      max_differences: positiveInt.default(100),
      max_value_chars: positiveInt.default(512),
      max_event_bytes: positiveInt.default(256 * 1024),
    })
    .prefault({}),
  redaction: z
    .strictObject({
      headers: z.array(headerName).default([]),
      query: z.array(z.string().min(1)).default([]),
      json_paths: z.array(pointerGlob).default([]),
      json_keys: z.array(z.string().min(1)).default([]),
      defaults: z.boolean().default(true),
      key: z.string().regex(/^([0-9a-fA-F]{2}){16,}$/, 'must be at least 32 hex characters').optional(),
    })
    .prefault({}),
  sink: z
    .strictObject({
      type: z.enum(['file', 'stdout']).default('file'),
      path: z.string().min(1).default('.shadowdiff/events.ndjson'),
      max_pending: positiveInt.default(10_000),
    })
    .prefault({}),
  kafka: z
    .strictObject({
      brokers: z.array(z.string().regex(/^[^\s:/]+:\d+$/, 'must be host:port')).default([]),
      topic: z.string().regex(/^[A-Za-z0-9._-]{1,249}$/, 'must be a Kafka topic name (letters, digits, ".", "_", "-")').default('shadowdiff.diff-events'),
      client_id: z.string().min(1).default('shadowdiff'),
      create_topic: z.boolean().default(true),
      partitions: positiveInt.default(3),
      replication_factor: positiveInt.default(1),
      acks: z.enum(['all', 'leader', 'none']).default('all'),
      compression: z.enum(['gzip', 'none']).default('gzip'),
      linger_ms: z.number().int('must be a whole number').min(0, 'must be 0 or more').default(20),
      batch_max_events: positiveInt.default(500),
      batch_max_bytes: positiveInt.default(1024 * 1024),
      request_timeout_ms: positiveInt.default(10_000),
      max_queue_events: positiveInt.default(10_000),
      outbox_path: z.string().min(1).default('.shadowdiff/outbox.ndjson'),
      outbox_max_bytes: positiveInt.default(256 * 1024 * 1024),
      ssl: z
        .strictObject({
          enabled: z.boolean().default(true),
          ca_file: z.string().min(1).optional(),
          cert_file: z.string().min(1).optional(),
          key_file: z.string().min(1).optional(),
          reject_unauthorized: z.boolean().default(true),
        })
        .optional(),
      sasl: z
        .strictObject({
          mechanism: z.enum(['plain', 'scram-sha-256', 'scram-sha-512']),
          username: z.string().min(1, 'must not be empty'),
          password: z.string().min(1, 'must not be empty'),
        })
        .optional(),
    })
    .prefault({}),
  routes: z.array(routeSchema).default([]),
});

export type ConfigFile = z.output<typeof fileSchema>;
export type RouteEntry = z.output<typeof routeSchema>;

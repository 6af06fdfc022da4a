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

export const routeSchema = z.strictObject({
  name: z.string().regex(/^[A-Za-z0-9][A-Za-z0-9_.-]*$/, 'must be letters, digits, "_", "." or "-"'),
  path: z.string().startsWith('/', 'must start with "/"'),
  methods: z.array(method).min(1, 'must list at least one method').optional(),
  reference: upstreamUrl.optional(),
  candidate: upstreamUrl.optional(),
  timeout_ms: positiveInt.optional(),
  host_header: hostHeader.optional(),
  shadow: z.strictObject(shadowOverrides).optional(),
});

export const fileSchema = z.strictObject({
  listen: z
    .strictObject({
      host: host.default('0.0.0.0'),
      port: port.default(8080),
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
    })
    .prefault({}),
  routes: z.array(routeSchema).default([]),
});

export type ConfigFile = z.output<typeof fileSchema>;
export type RouteEntry = z.output<typeof routeSchema>;

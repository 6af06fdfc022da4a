// Assembles the v1 event from an exchange and its analysis: outcome, redacted request and
// upstream facts, and the size limits. Pure.
import { randomUUID } from 'node:crypto';
import type { Difference, Severity } from '../diff/types';
import type { ShadowExchange, UpstreamResult } from '../shadow/exchange';
import type { Analysis, Digest } from './analyze';
import type { Redactor } from './redact';
import { EVENT_SCHEMA, type DiffEvent, type Outcome, type Summary, type UpstreamInfo } from './types';

export interface EventLimits {
  /** Differences kept per event (all are counted in `summary`). */
  readonly maxDifferences: number;
  /** Longest string kept inside a difference value; longer values are cut, containers summarised. */
  readonly maxValueChars: number;
  /** Serialised size an event may not exceed; samples go first, then differences. */
  readonly maxEventBytes: number;
}

export function outcomeOf(exchange: ShadowExchange, analysis: Analysis): { outcome: Outcome; skipReason?: string } {
  if (exchange.reference.error) return { outcome: 'reference_error' };
  const error = exchange.candidate.error;
  if (error?.code === 'timeout') return { outcome: 'candidate_timeout' };
  if (error?.code === 'response_too_large') return { outcome: 'skipped', skipReason: 'candidate_response_too_large' };
  if (error) return { outcome: 'candidate_error' };
  return { outcome: analysis.differences?.some((d) => !d.noise) ? 'mismatch' : 'match' };
}

export function buildEvent(exchange: ShadowExchange, analysis: Analysis, redactor: Redactor, limits: EventLimits): DiffEvent {
  const { outcome, skipReason } = outcomeOf(exchange, analysis);
  const detailed = outcome !== 'match';
  const all = [...(analysis.differences ?? [])].sort(byImportance);
  const summary = summarize(all);
  let truncated = all.length > limits.maxDifferences;
  const cap = (value: unknown) => {
    const capped = capValue(value, limits.maxValueChars);
    if (capped !== value) truncated = true;
    return capped;
  };
  const differences = all.slice(0, limits.maxDifferences).map((d) => {
    const out = { ...d };
    if ('reference' in d) out.reference = cap(d.reference);
    if ('candidate' in d) out.candidate = cap(d.candidate);
    return out;
  });

  const { request } = exchange;
  const event: DiffEvent = {
    schema: EVENT_SCHEMA,
    id: exchange.id,
    timestamp: exchange.startedAt.toISOString(),
    traceId: traceIdOf(request.headers),
    route: { name: exchange.route.name, pattern: exchange.route.pattern, params: { ...exchange.route.params } },
    request: {
      method: request.method,
      path: request.path,
      query: redactor.query(request.query),
      ...(detailed ? { headers: redactor.headers(request.headers) } : {}),
      body: digestInfo(analysis.digests.request),
    },
    reference: upstreamInfo(exchange.reference, analysis.digests.reference, detailed, redactor),
    candidate: upstreamInfo(exchange.candidate, analysis.digests.candidate, detailed, redactor),
    outcome,
    bodyFormat: analysis.bodyFormat,
    differences,
    summary,
    truncated,
  };
  if (exchange.secondary) event.secondary = upstreamInfo(exchange.secondary, analysis.digests.secondary, detailed, redactor);
  if (skipReason) event.skipReason = skipReason;
  if (analysis.secondaryDifferences) {
    event.secondaryDifferences = analysis.secondaryDifferences.map(({ path, normalizedPath, kind }) => ({ path, normalizedPath, kind }));
  }
  return fitToSize(event, limits.maxEventBytes);
}

function upstreamInfo(result: UpstreamResult, digest: Digest | undefined, detailed: boolean, redactor: Redactor): UpstreamInfo {
  const info: UpstreamInfo = { url: result.url, latencyMs: Math.round(result.latencyMs * 1000) / 1000 };
  if (result.response) {
    info.status = result.response.status;
    if (detailed) info.headers = redactor.headers(result.response.headers);
  }
  if (digest) info.body = digestInfo(digest);
  if (result.error) info.error = { code: result.error.code, message: result.error.message };
  return info;
}

function digestInfo(digest: Digest): DiffEvent['request']['body'] {
  return { ...digest };
}

const SEVERITY_RANK: Record<Severity, number> = { high: 0, medium: 1, low: 2 };

/** Real differences before noise, then by severity; stable otherwise. */
function byImportance(a: Difference, b: Difference): number {
  return Number(a.noise) - Number(b.noise) || SEVERITY_RANK[a.severity] - SEVERITY_RANK[b.severity];
}

export function summarize(differences: readonly Difference[]): Summary {
  const summary: Summary = { differences: differences.length, noise: 0, high: 0, medium: 0, low: 0 };
  for (const d of differences) {
    if (d.noise) summary.noise++;
    else summary[d.severity]++;
  }
  return summary;
}

/** Strings are cut; containers whose JSON is too long become a marked preview. */
export function capValue(value: unknown, maxChars: number): unknown {
  if (typeof value === 'string') return value.length > maxChars ? `${value.slice(0, maxChars)}…` : value;
  if (typeof value !== 'object' || value === null) return value;
  const json = JSON.stringify(value);
  if (json.length <= maxChars) return value;
  return { $truncated: true, size: json.length, preview: json.slice(0, maxChars) };
}

function fitToSize(event: DiffEvent, maxBytes: number): DiffEvent {
  const json = JSON.stringify(event);
  if (Buffer.byteLength(json) <= maxBytes) {
    serialised.set(event, json);
    return event;
  }
  event.truncated = true;
  for (const part of [event.request, event.reference, event.candidate, event.secondary]) {
    if (part?.body?.sample !== undefined) {
      delete part.body.sample;
      delete part.body.sampleTruncated;
    }
  }
  while (Buffer.byteLength(JSON.stringify(event)) > maxBytes && event.differences.length > 0) {
    event.differences = event.differences.slice(0, Math.floor(event.differences.length / 2));
  }
  if (event.secondaryDifferences && Buffer.byteLength(JSON.stringify(event)) > maxBytes) event.secondaryDifferences = event.secondaryDifferences.slice(0, 20);
  return event;
}

/** The W3C trace id when the client sent a traceparent, else a new one. */
export function traceIdOf(headers: Readonly<Record<string, string | string[]>>): string {
  const traceparent = headers.traceparent;
  const value = Array.isArray(traceparent) ? traceparent[0] : traceparent;
  const match = value && /^[0-9a-f]{2}-([0-9a-f]{32})-[0-9a-f]{16}-[0-9a-f]{2}$/.exec(value.trim().toLowerCase());
  if (match && match[1] !== '0'.repeat(32)) return match[1]!;
  // randomUUID draws from a cached entropy pool: far cheaper per event than randomBytes(16).
  return randomUUID().replace(/-/g, '');
}

const serialised = new WeakMap<DiffEvent, string>();

/** The event's JSON text, computed once: building measured it already, sinks reuse that. */
export function eventJson(event: DiffEvent): string {
  let json = serialised.get(event);
  if (json === undefined) serialised.set(event, (json = JSON.stringify(event)));
  return json;
}

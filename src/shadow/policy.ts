// Whether one request is shadowed. Pure: the caller supplies the request facts and a random draw,
// so every rule here is unit-testable and the same inputs always give the same answer.
import type { HttpMethod } from '../config/schema';

export interface SampleKey {
  readonly source: 'header' | 'query';
  /** Lower case for headers, as sent for query parameters. */
  readonly name: string;
}

export interface ShadowPolicy {
  readonly enabled: boolean;
  readonly mode: 'after' | 'parallel';
  readonly methods: ReadonlySet<HttpMethod>;
  readonly samplePercent: number;
  readonly sampleKey?: SampleKey;
  readonly isExcluded: (path: string) => boolean;
  readonly maxRequestBytes: number;
  readonly maxResponseBytes: number;
  readonly timeoutMs: number;
}

/** Why a request was not shadowed; each reason is a label value of the skip counter. */
export type SkipReason =
  | 'disabled'
  | 'method'
  | 'excluded'
  | 'loop'
  | 'sampled_out'
  | 'request_too_large'
  | 'response_too_large'
  | 'in_flight_full'
  | 'overloaded'
  | 'compare_backlog'
  | 'candidate_down'
  | 'client_aborted'
  | 'draining';

export interface RequestFacts {
  readonly method: string;
  readonly path: string;
  /** Raw query string without "?". */
  readonly query: string;
  readonly headers: Readonly<Record<string, string | string[] | undefined>>;
  /** A role header on the incoming request means it came from a shadowing proxy: never shadow it again. */
  readonly hasRoleHeader: boolean;
  /** Declared content-length, when the client sent one. */
  readonly contentLength?: number;
}

export type ShadowDecision = { shadow: true } | { shadow: false; reason: SkipReason };

const SHADOW: ShadowDecision = { shadow: true };

/** `random` is a draw in [0, 1), used only when no sampling key is configured or present. */
export function decideShadow(policy: ShadowPolicy, req: RequestFacts, random: number): ShadowDecision {
  if (!policy.enabled) return { shadow: false, reason: 'disabled' };
  if (req.hasRoleHeader) return { shadow: false, reason: 'loop' };
  if (!policy.methods.has(req.method as HttpMethod)) return { shadow: false, reason: 'method' };
  if (policy.isExcluded(req.path)) return { shadow: false, reason: 'excluded' };
  if (!isSampledIn(policy, req, random)) return { shadow: false, reason: 'sampled_out' };
  if (req.contentLength !== undefined && req.contentLength > policy.maxRequestBytes) {
    return { shadow: false, reason: 'request_too_large' };
  }
  return SHADOW;
}

export function isSampledIn(
  policy: Pick<ShadowPolicy, 'samplePercent' | 'sampleKey'>,
  req: Pick<RequestFacts, 'headers' | 'query'>,
  random: number,
): boolean {
  if (policy.samplePercent >= 100) return true;
  if (policy.samplePercent <= 0) return false;
  const key = policy.sampleKey && sampleKeyValue(policy.sampleKey, req);
  // With a key, the same value always lands in the same bucket, so one user's requests are all in
  // or all out. Buckets are hundredths of a percent.
  const draw = key === undefined ? random * 10_000 : fnv1a32(key) % 10_000;
  return draw < Math.round(policy.samplePercent * 100);
}

function sampleKeyValue(key: SampleKey, req: Pick<RequestFacts, 'headers' | 'query'>): string | undefined {
  if (key.source === 'header') {
    const value = req.headers[key.name];
    return Array.isArray(value) ? value[0] : value;
  }
  const value = new URLSearchParams(req.query).get(key.name);
  return value ?? undefined;
}

/** FNV-1a, 32 bit: small, fast and well spread for short keys such as user ids. */
export function fnv1a32(text: string): number {
  let hash = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    hash ^= text.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193);
  }
  return hash >>> 0;
}

/** Path globs: `*` matches any run of characters, "/" included; anything else matches itself. */
export function compilePathGlobs(globs: readonly string[]): (path: string) => boolean {
  if (globs.length === 0) return () => false;
  const alternatives = globs.map((g) => g.split('*').map(escapeRegExp).join('.*'));
  const re = new RegExp(`^(?:${alternatives.join('|')})$`);
  return (path) => re.test(path);
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

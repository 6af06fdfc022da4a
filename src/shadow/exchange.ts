// What the proxy captures for one shadowed request: the seam between the I/O shell (proxy and
// shadow calls) and everything that judges the pair (diff, events, sinks).
import type { IncomingHttpHeaders } from 'node:http';

export interface CapturedRequest {
  readonly method: string;
  readonly path: string;
  /** Raw query string without "?". */
  readonly query: string;
  /** Headers as forwarded to the upstreams, before the role header is added. */
  readonly headers: Readonly<Record<string, string | string[]>>;
  readonly body: Buffer;
}

export interface UpstreamResponse {
  readonly status: number;
  readonly headers: IncomingHttpHeaders;
  readonly body: Buffer;
}

export type UpstreamErrorCode =
  | 'timeout'
  | 'refused'
  | 'reset'
  | 'dns'
  | 'tls'
  | 'response_too_large'
  | 'other';

export interface UpstreamError {
  readonly code: UpstreamErrorCode;
  readonly message: string;
}

/** Exactly one of `response` and `error` is set. */
export interface UpstreamResult {
  /** Origin and path called; the query is in the request. */
  readonly url: string;
  readonly latencyMs: number;
  readonly response?: UpstreamResponse;
  readonly error?: UpstreamError;
}

export interface ShadowExchange {
  readonly id: string;
  readonly startedAt: Date;
  readonly route: { readonly name: string; readonly pattern: string; readonly params: Readonly<Record<string, string>> };
  readonly request: CapturedRequest;
  readonly reference: UpstreamResult;
  readonly candidate: UpstreamResult;
  /** A second reference instance, called like the candidate, for noise cancellation. */
  readonly secondary?: UpstreamResult;
}

/** Receives every completed exchange. It runs on the background path and its time counts as in flight. */
export type ExchangeHandler = (exchange: ShadowExchange) => void | Promise<void>;

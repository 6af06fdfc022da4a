// Calls to upstreams through pooled keep-alive undici agents, and the mapping of failures to
// error codes and client statuses.
import { Agent, errors } from 'undici';
import type { UpstreamError, UpstreamErrorCode } from '../shadow/exchange';

export function createAgent(options: { connections?: number } = {}): Agent {
  return new Agent({
    keepAliveTimeout: 30_000,
    keepAliveMaxTimeout: 600_000,
    ...(options.connections ? { connections: options.connections } : {}),
  });
}

/** Upstream base path + request path: `http://svc/api` and `/users/1` -> `/api/users/1`. */
export function upstreamPath(base: URL, path: string, query: string): string {
  const prefix = base.pathname === '/' ? '' : base.pathname.replace(/\/$/, '');
  return query ? `${prefix}${path}?${query}` : `${prefix}${path}`;
}

const CODES: Record<string, UpstreamErrorCode> = {
  ECONNREFUSED: 'refused',
  ECONNRESET: 'reset',
  EPIPE: 'reset',
  UND_ERR_SOCKET: 'reset',
  UND_ERR_CLOSED: 'reset',
  ENOTFOUND: 'dns',
  EAI_AGAIN: 'dns',
  UND_ERR_HEADERS_TIMEOUT: 'timeout',
  UND_ERR_BODY_TIMEOUT: 'timeout',
  UND_ERR_CONNECT_TIMEOUT: 'timeout',
  ETIMEDOUT: 'timeout',
  UND_ERR_RES_EXCEEDED_MAX_SIZE: 'response_too_large',
};

export function classifyError(err: unknown): UpstreamError {
  const e = err as { code?: string; name?: string; message?: string; cause?: { code?: string } };
  if (e?.name === 'TimeoutError') return { code: 'timeout', message: 'upstream did not answer in time' };
  let code = (e?.code && CODES[e.code]) || (e?.cause?.code && CODES[e.cause.code]) || undefined;
  if (!code && typeof e?.code === 'string' && /^ERR_TLS|CERT|SSL/.test(e.code)) code = 'tls';
  if (err instanceof errors.ResponseExceededMaxSizeError) code = 'response_too_large';
  const finalCode = code ?? 'other';
  return { code: finalCode, message: describe(finalCode, e?.code ?? e?.cause?.code) };
}

function describe(code: UpstreamErrorCode, systemCode: string | undefined): string {
  const detail = systemCode ? ` (${systemCode})` : '';
  switch (code) {
    case 'timeout':
      return `upstream did not answer in time${detail}`;
    case 'refused':
      return `upstream refused the connection${detail}`;
    case 'reset':
      return `upstream closed the connection${detail}`;
    case 'dns':
      return `upstream host name did not resolve${detail}`;
    case 'tls':
      return `TLS handshake with the upstream failed${detail}`;
    case 'response_too_large':
      return 'upstream response exceeded the capture limit';
    default:
      return `upstream call failed${detail}`;
  }
}

/** Status the client sees when the reference fails before answering. */
export function clientStatusFor(error: UpstreamError): 502 | 504 {
  return error.code === 'timeout' ? 504 : 502;
}

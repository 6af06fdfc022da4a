// Header hygiene between client, proxy and upstreams. Pure functions over Node's header objects.
import type { IncomingHttpHeaders, OutgoingHttpHeaders } from 'node:http';

export const ROLE_HEADER = 'x-shadow-test-role';
export type Role = 'reference' | 'candidate' | 'secondary';

/** RFC 9110 §7.6.1 connection-specific fields, plus the legacy ones proxies traditionally drop. */
const HOP_BY_HOP = new Set([
  'connection',
  'keep-alive',
  'proxy-connection',
  'proxy-authenticate',
  'proxy-authorization',
  'te',
  'trailer',
  'transfer-encoding',
  'upgrade',
]);

/** Names listed in `Connection` are hop-by-hop for this message too (RFC 9110 §7.6.1). */
function connectionListed(headers: IncomingHttpHeaders): Set<string> | undefined {
  const value = headers.connection;
  if (!value) return undefined;
  return new Set(value.split(',').map((token) => token.trim().toLowerCase()).filter(Boolean));
}

function isHopByHop(name: string, listed?: Set<string>): boolean {
  return HOP_BY_HOP.has(name) || (listed?.has(name) ?? false);
}

export interface ForwardOptions {
  /** The upstream's host:port, used when `hostHeader` is "upstream". */
  readonly upstreamHost: string;
  readonly hostHeader: 'upstream' | 'preserve';
  readonly clientAddress: string | undefined;
  readonly protocol: 'http' | 'https';
}

/**
 * Headers for the upstream request, without the role header (each call adds its own): hop-by-hop
 * fields removed, `Host` chosen by configuration, X-Forwarded-* added. X-Forwarded-For is appended
 * to; Proto and Host are kept when a proxy in front of us already set them.
 */
export function forwardRequestHeaders(incoming: IncomingHttpHeaders, options: ForwardOptions): Record<string, string | string[]> {
  const listed = connectionListed(incoming);
  const out: Record<string, string | string[]> = {};
  for (const name in incoming) {
    const value = incoming[name];
    if (value === undefined || isHopByHop(name, listed) || name === ROLE_HEADER || name === 'host') continue;
    out[name] = value;
  }
  const clientHost = incoming.host;
  out.host = options.hostHeader === 'preserve' && clientHost ? clientHost : options.upstreamHost;
  if (options.clientAddress) {
    const previous = incoming['x-forwarded-for'];
    out['x-forwarded-for'] = previous ? `${previous}, ${options.clientAddress}` : options.clientAddress;
  }
  out['x-forwarded-proto'] ??= options.protocol;
  if (clientHost) out['x-forwarded-host'] ??= clientHost;
  return out;
}

/** Upstream response headers for the client: everything but hop-by-hop fields. */
export function clientResponseHeaders(upstream: IncomingHttpHeaders): OutgoingHttpHeaders {
  const listed = connectionListed(upstream);
  const out: OutgoingHttpHeaders = {};
  for (const name in upstream) {
    const value = upstream[name];
    if (value === undefined || isHopByHop(name, listed)) continue;
    out[name] = value;
  }
  return out;
}

// The reference path: match the route, forward to the reference, stream its answer to the client
// unchanged, and hand a captured copy to the shadow job. The client never waits for the candidate.
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Readable } from 'node:stream';
import type { Dispatcher } from 'undici';
import type { Metrics } from '../admin/metrics';
import type { Config, RoutePlan } from '../config/resolve';
import type { Logger } from '../log';
import type { UpstreamResult } from '../shadow/exchange';
import { decideShadow, type SkipReason } from '../shadow/policy';
import type { Shadower, ShadowJob } from '../shadow/shadower';
import { BodyTap, EMPTY_BODY, readUpTo } from '../util/body';
import type { InFlight } from '../util/in-flight';
import { clientResponseHeaders, forwardRequestHeaders, ROLE_HEADER } from './headers';
import type { Router } from './routes';
import { classifyError, clientStatusFor, upstreamPath } from './upstream';

export interface ProxyContext {
  readonly config: Config;
  readonly router: Router<RoutePlan>;
  readonly agent: Dispatcher;
  readonly shadower: Shadower;
  readonly metrics: Metrics;
  readonly logger: Logger;
  readonly requests: InFlight;
  readonly isDraining: () => boolean;
}

export function createProxyHandler(ctx: ProxyContext) {
  const { config, router, metrics, logger } = ctx;

  return async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const started = performance.now();
    const method = req.method ?? 'GET';
    const { path, query } = splitTarget(req.url ?? '/');
    ctx.requests.enter();
    metrics.requestsInFlight.inc();
    let routeName = 'none';
    let shadowNote: SkipReason | 'shadowed' = 'disabled';
    res.once('close', () => {
      ctx.requests.leave();
      metrics.requestsInFlight.dec();
      metrics.requests.inc({ route: routeName, method, status: String(res.statusCode) });
      if (config.log.accessLog) {
        const ms = Math.round((performance.now() - started) * 100) / 100;
        logger.info({ route: routeName, method, path, status: res.statusCode, ms, shadow: shadowNote, aborted: !res.writableFinished }, 'request');
      }
    });
    if (ctx.isDraining()) res.shouldKeepAlive = false;

    const match = router.match(method, path);
    const route = match?.route ?? config.unmatched;
    if (!route) return sendError(res, 404, 'no_route', `no route matches ${method} ${path}`);
    routeName = route.name;
    const params = match?.params ?? {};

    // Decide before reading the body: an unshadowed request streams straight through.
    const contentLength = req.headers['content-length'] === undefined ? undefined : Number(req.headers['content-length']);
    const hasBody = (contentLength !== undefined && contentLength > 0) || req.headers['transfer-encoding'] !== undefined;
    let job: ShadowJob | undefined;
    if (route.candidate) {
      const decision = decideShadow(
        route.shadow,
        { method, path, query, headers: req.headers, hasRoleHeader: req.headers[ROLE_HEADER] !== undefined, ...(contentLength !== undefined ? { contentLength } : {}) },
        Math.random(),
      );
      const reason = !decision.shadow ? decision.reason : ctx.isDraining() ? 'draining' : undefined;
      if (reason) {
        ctx.shadower.skip(route.name, reason);
        shadowNote = reason;
      } else {
        job = ctx.shadower.begin(route, params);
        shadowNote = job ? 'shadowed' : 'in_flight_full';
      }
    }

    const headers = forwardRequestHeaders(req.headers, {
      upstreamHost: route.reference.host,
      hostHeader: route.hostHeader,
      clientAddress: req.socket.remoteAddress,
      protocol: 'http',
    });

    let body: Dispatcher.DispatchOptions['body'] = hasBody ? req : null;
    if (job) {
      const read = hasBody ? await readUpTo(req, route.shadow.maxRequestBytes) : { complete: true as const, body: EMPTY_BODY };
      if (read.complete) {
        body = hasBody ? read.body : null;
        job.capture({ method, path, query, headers, body: read.body });
        if (route.shadow.mode === 'parallel') job.startCandidate();
      } else {
        body = read.stream;
        job.abandon((shadowNote = 'request_too_large'));
        job = undefined;
      }
    }

    const referenceStarted = performance.now();
    let response: Dispatcher.ResponseData;
    try {
      response = await ctx.agent.request({
        origin: route.reference.origin,
        path: upstreamPath(route.reference, path, query),
        method: method as Dispatcher.HttpMethod,
        headers: { ...headers, [ROLE_HEADER]: 'reference' },
        body,
        headersTimeout: route.timeoutMs,
        bodyTimeout: route.timeoutMs,
      });
    } catch (err) {
      const error = classifyError(err);
      metrics.upstreamErrors.inc({ role: 'reference', route: route.name, reason: error.code });
      job?.complete({ url: referenceUrl(route, path), latencyMs: performance.now() - referenceStarted, error });
      return sendError(res, clientStatusFor(error), error.code === 'timeout' ? 'reference_timeout' : 'reference_unavailable', error.message);
    }

    const tap = job ? new BodyTap(route.shadow.maxResponseBytes) : undefined;
    if (tap) response.body.on('data', tap.push);
    res.writeHead(response.statusCode, clientResponseHeaders(response.headers));
    const sent = await streamBody(response.body, res);
    if (sent !== 'done') {
      // Headers are gone already: the client sees a cut connection, which is the honest answer.
      if (sent === 'upstream_failed') {
        const error = classifyError(response.body.errored);
        metrics.upstreamErrors.inc({ role: 'reference', route: route.name, reason: error.code });
      }
      job?.abandon((shadowNote = 'client_aborted'));
      return;
    }
    const latencyMs = performance.now() - referenceStarted;
    metrics.upstreamDuration.observe({ role: 'reference', route: route.name }, latencyMs / 1000);
    if (!job || !tap) return;
    if (tap.overflowed) return job.abandon((shadowNote = 'response_too_large'));
    const reference: UpstreamResult = {
      url: referenceUrl(route, path),
      latencyMs,
      response: { status: response.statusCode, headers: response.headers, body: tap.body() },
    };
    job.complete(reference);
  };
}

function referenceUrl(route: RoutePlan, path: string): string {
  return `${route.reference.origin}${upstreamPath(route.reference, path, '')}`;
}

/**
 * Streams the upstream body to the client with back-pressure. Plain pipe() rather than
 * stream.pipeline: pipeline builds an AbortError (a DOMException, stack and all) on every
 * successful finish, which cost more than the rest of the request.
 */
function streamBody(body: Readable, res: ServerResponse): Promise<'done' | 'upstream_failed' | 'client_gone'> {
  return new Promise((resolve) => {
    let settled = false;
    const settle = (result: 'done' | 'upstream_failed' | 'client_gone') => {
      if (settled) return;
      settled = true;
      if (result !== 'done') {
        body.unpipe(res);
        body.destroy();
        if (!res.destroyed) res.destroy();
      }
      resolve(result);
    };
    body.once('error', () => settle('upstream_failed'));
    res.once('finish', () => settle('done'));
    res.once('close', () => settle(res.writableFinished ? 'done' : 'client_gone'));
    body.pipe(res);
  });
}

/** Request target -> path and raw query. Absolute-form targets (from forward proxies) are reduced to their path. */
export function splitTarget(target: string): { path: string; query: string } {
  if (!target.startsWith('/')) {
    try {
      const url = new URL(target);
      target = url.pathname + url.search;
    } catch {
      return { path: '/', query: '' };
    }
  }
  const q = target.indexOf('?');
  return q < 0 ? { path: target, query: '' } : { path: target.slice(0, q), query: target.slice(q + 1) };
}

export function sendError(res: ServerResponse, status: number, error: string, message: string): void {
  if (res.headersSent) {
    res.destroy();
    return;
  }
  const body = JSON.stringify({ error, message });
  res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'content-length': Buffer.byteLength(body) });
  res.end(body);
}

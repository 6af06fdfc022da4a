// The admin listener: metrics for Prometheus, liveness and readiness for orchestrators.
import { Hono } from 'hono';

export interface ReadinessCheck {
  readonly name: string;
  /** Returns undefined when ready, or the reason it is not. */
  readonly check: () => string | undefined;
}

/**
 * `checks` decide readiness (503 when one fails). `report` only informs: a Kafka outage shows there
 * but never takes the proxy out of a load balancer, since clients are served without Kafka.
 */
export interface MetricsSource {
  readonly contentType: string;
  /** The exposition text: one registry's, or, in a cluster, all workers' aggregated. */
  metrics(): Promise<string>;
}

export function createAdminApp(source: MetricsSource, checks: readonly ReadinessCheck[], report: () => Record<string, unknown> = () => ({})): Hono {
  const app = new Hono();
  app.get('/metrics', async (c) => {
    let text: string;
    try {
      text = await source.metrics();
    } catch (err) {
      // In a cluster a worker that is starting or stopping may not answer in time.
      return c.json({ error: 'metrics_unavailable', message: (err as Error)?.message ?? String(err) }, 503);
    }
    c.header('content-type', source.contentType);
    return c.body(text);
  });
  app.get('/healthz', (c) => c.json({ status: 'ok' }));
  app.get('/readyz', (c) => {
    const failing = checks.flatMap(({ name, check }) => {
      const reason = check();
      return reason ? [{ name, reason }] : [];
    });
    return failing.length === 0 ? c.json({ status: 'ready', ...report() }) : c.json({ status: 'not_ready', checks: failing, ...report() }, 503);
  });
  app.notFound((c) => c.json({ error: 'not_found', message: `no admin endpoint ${c.req.path}` }, 404));
  return app;
}

// Published contracts: the AsyncAPI document of the topic, and the Grafana dashboard's metrics.
import { Parser, fromFile } from '@asyncapi/parser';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { call, startProxy } from '../helpers/proxy';

const docs = join(__dirname, '..', '..', 'docs');

describe('AsyncAPI document', () => {
  it('is valid AsyncAPI 3 and its payload is the event JSON Schema', async () => {
    const { document, diagnostics } = await fromFile(new Parser(), join(docs, 'asyncapi.yaml')).parse();
    // Severity 0 is an error, 1 a warning.
    expect(diagnostics.filter((d) => d.severity <= 1).map((d) => `${d.code}: ${d.message}`)).toEqual([]);
    expect(document).toBeDefined();
    const message = document!.messages().all()[0]!;
    expect(message.name()).toBe('DiffEvent');
    const payload = message.payload()!.json() as { schema: { properties: { schema: { const: string } }; required: string[] } };
    expect(payload.schema.properties.schema.const).toBe('shadowdiff.diff-event/v1');
    const schemaFile = JSON.parse(readFileSync(join(__dirname, '..', '..', 'src', 'events', 'diff-event.v1.schema.json'), 'utf8'));
    expect(payload.schema.required).toEqual(schemaFile.required);
    const headers = message.headers()!.json() as { required: string[] };
    expect(headers.required).toEqual(['schema', 'route', 'outcome', 'id']);
    expect(document!.channels().all()[0]!.address()).toBe('shadowdiff.diff-events');
  });
});

describe('Grafana dashboard', () => {
  it('queries only metrics that shadowdiff exports', async () => {
    const dashboard = JSON.parse(readFileSync(join(docs, 'grafana', 'shadowdiff-dashboard.json'), 'utf8')) as { panels: { targets: { expr: string }[] }[] };
    const exprs = dashboard.panels.flatMap((p) => p.targets.map((t) => t.expr));
    const queried = new Set(exprs.flatMap((e) => e.match(/\b(?:shadowdiff|nodejs|process)_[a-z0-9_]+/g) ?? []).map((m) => m.replace(/_(bucket|sum|count)$/, '')));
    expect(queried.size).toBeGreaterThan(15);

    const proxy = await startProxy('[upstreams]\nreference = "http://127.0.0.1:1"\n');
    try {
      const text = (await call(`${proxy.adminUrl}/metrics`)).body.toString();
      const exported = new Set([...text.matchAll(/^# TYPE (\S+) /gm)].map((m) => m[1]!));
      expect([...queried].filter((name) => !exported.has(name))).toEqual([]);
    } finally {
      await proxy.shutdown();
    }
  });
});

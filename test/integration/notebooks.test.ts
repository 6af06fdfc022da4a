// The notebooks, executed headlessly in a real Python environment against the real topic: they
// must compute the same mismatch rates as the analysis CLI.
import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { ANALYZE_CLI } from '../helpers/cli';
import { brokers, newTopic } from '../helpers/kafka';
import { call, eventually, startProxy } from '../helpers/proxy';
import { json, TestUpstream } from '../helpers/upstream';
import type { Report } from '../../analysis/report';

const run = promisify(execFile);
const root = join(__dirname, '..', '..');
const notebooks = join(root, 'analysis', 'notebooks');
const venv = join(root, '.venv-notebooks');
const python = join(venv, 'bin', 'python');

/** A virtual environment with the pinned requirements, made once and reused while they are unchanged. */
async function ensureVenv(): Promise<void> {
  const requirements = readFileSync(join(notebooks, 'requirements.txt'), 'utf8');
  const marker = join(venv, '.requirements');
  if (existsSync(marker) && readFileSync(marker, 'utf8') === requirements) return;
  await run('python3', ['-m', 'venv', venv], { timeout: 120_000 });
  await run(python, ['-m', 'pip', 'install', '--quiet', '--disable-pip-version-check', '-r', join(notebooks, 'requirements.txt')], { timeout: 900_000 });
  writeFileSync(marker, requirements);
}

async function execute(notebook: string, env: Record<string, string>): Promise<{ events: number; mismatch_rate: Record<string, number> }> {
  const out = join(mkdtempSync(join(tmpdir(), 'shadowdiff-nb-')), notebook);
  await run(python, [join(notebooks, 'run_notebook.py'), join(notebooks, notebook), out], { env: { ...process.env, ...env }, timeout: 300_000 });
  const executed = JSON.parse(readFileSync(out, 'utf8')) as { cells: { metadata: { tags?: string[] }; outputs?: { name?: string; text?: string | string[]; output_type: string }[] }[] };
  const images = executed.cells.flatMap((c) => c.outputs ?? []).filter((o) => o.output_type === 'display_data');
  expect(images.length).toBeGreaterThanOrEqual(2);
  const summary = executed.cells.find((c) => c.metadata.tags?.includes('summary'))!;
  const text = summary.outputs!.filter((o) => o.name === 'stdout').map((o) => (Array.isArray(o.text) ? o.text.join('') : o.text)).join('');
  return JSON.parse(text);
}

describe('notebooks', () => {
  const topic = newTopic();
  let report: Report;

  beforeAll(async () => {
    const venvReady = ensureVenv();
    const reference = await TestUpstream.start((req, res) => json({ id: req.url, price: 10, tags: ['a', 'b'] })(req, res));
    const candidate = await TestUpstream.start((req, res) => json({ id: req.url, price: /\/(3|7)$/.test(req.url!) ? 11 : 10, tags: req.url!.startsWith('/users') ? ['b', 'a'] : ['a', 'b'] })(req, res));
    const proxy = await startProxy(
      `[upstreams]\nreference = "${reference.url}"\ncandidate = "${candidate.url}"\n[kafka]\nbrokers = ${JSON.stringify(brokers())}\ntopic = "${topic}"\noutbox_path = "${join(mkdtempSync(join(tmpdir(), 'ob-')), 'o.ndjson')}"\n[[routes]]\nname = "items"\npath = "/items/{id}"\n[[routes]]\nname = "users"\npath = "/users/{id}"`,
      { configuredSink: true },
    );
    try {
      for (let i = 0; i < 10; i++) await call(`${proxy.proxyUrl}/items/${i}`);
      for (let i = 0; i < 4; i++) await call(`${proxy.proxyUrl}/users/${i}`);
      await eventually(async () => (await proxy.metric('shadowdiff_events_published_total', { sink: 'kafka' })) === 14, 'all published');
    } finally {
      await proxy.shutdown();
      await Promise.all([reference.close(), candidate.close()]);
    }
    const { stdout } = await run(process.execPath, [ANALYZE_CLI, 'report', '--format', 'json', '--brokers', brokers().join(','), '--topic', topic]);
    report = JSON.parse(stdout) as Report;
    await venvReady;
  }, 900_000);

  const cliRates = () => Object.fromEntries(report.routes.map((r) => [r.name, r.mismatchRate]));

  it('diff-topic.ipynb reads the topic and finds the mismatch rates the CLI reports', async () => {
    expect(cliRates()).toEqual({ items: 0.2, users: 1 });
    const summary = await execute('diff-topic.ipynb', { SHADOWDIFF_KAFKA_BROKERS: brokers().join(','), SHADOWDIFF_KAFKA_TOPIC: topic });
    expect(summary.events).toBe(report.totals.events);
    expect(summary.mismatch_rate).toEqual(cliRates());
  }, 300_000);

  it('export-file.ipynb reads an exported file and agrees too', async () => {
    const file = join(mkdtempSync(join(tmpdir(), 'shadowdiff-export-')), 'diff-events.ndjson');
    await run(process.execPath, [ANALYZE_CLI, 'export', '--brokers', brokers().join(','), '--topic', topic, '-o', file]);
    const summary = await execute('export-file.ipynb', { SHADOWDIFF_EVENTS_FILE: file });
    expect(summary.mismatch_rate).toEqual(cliRates());
  }, 300_000);
});

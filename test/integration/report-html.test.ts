// The HTML report opened in a real headless Chromium: it renders, shows its charts, logs no errors.
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { chromium } from 'playwright-core';
import { Aggregator } from '../../analysis/aggregate';
import { DIFFY_THRESHOLDS } from '../../analysis/noise';
import { renderHtml } from '../../analysis/render/html';
import { buildReport } from '../../analysis/report';
import { emptyCounts } from '../../analysis/input';
import { diff, makeEvent } from '../helpers/events';

const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
// CI installs Chromium (.ci/run); elsewhere the test says why it did not run.
const withBrowser = existsSync(CHROMIUM) ? describe : describe.skip;
if (!existsSync(CHROMIUM)) console.warn(`report-html: skipped, no Chromium at ${CHROMIUM} (apt-get install chromium, or set CHROMIUM_PATH)`);

withBrowser('HTML report in headless Chromium', () => {
  it('renders the three charts with bars and no console errors', async () => {
    const aggregator = new Aggregator();
    for (let i = 0; i < 40; i++) {
      aggregator.add(makeEvent({ route: 'users', referenceMs: 5 + i, candidateMs: 7 + i, differences: i % 4 === 0 ? [diff('/price', 'value', 'medium'), diff('/id', 'type', 'high')] : [] }));
      aggregator.add(makeEvent({ route: 'orders', referenceMs: 3, candidateMs: 30, differences: i % 10 === 0 ? [diff('/items/0/sku', 'missing', 'high')] : [] }));
    }
    const html = renderHtml(buildReport(aggregator, emptyCounts(), { top: 10, thresholds: DIFFY_THRESHOLDS, source: { kind: 'test' } }));
    const dir = join(__dirname, '..', '..', 'test-output');
    mkdirSync(dir, { recursive: true });
    const file = join(dir, 'report.html');
    writeFileSync(file, html);

    const browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
    });
    try {
      const page = await browser.newPage({ viewport: { width: 1100, height: 900 } });
      const problems: string[] = [];
      page.on('console', (m) => m.type() === 'error' && problems.push(m.text()));
      page.on('pageerror', (e) => problems.push(e.message));
      page.on('request', (r) => !r.url().startsWith('file:') && problems.push(`network request: ${r.url()}`));
      await page.goto(pathToFileURL(file).href);
      expect(await page.title()).toBe('shadowdiff report');
      for (const id of ['chart-mismatch', 'chart-paths', 'chart-latency']) {
        const chart = page.locator(`#${id}`);
        expect(await chart.isVisible()).toBe(true);
        expect(await chart.locator('rect.bar').count()).toBeGreaterThan(0);
        const box = await chart.boundingBox();
        expect(box!.width).toBeGreaterThan(300);
      }
      expect(await page.locator('#chart-latency rect.bar').count()).toBe(4);
      await page.screenshot({ path: join(dir, 'report.png'), fullPage: true });
      expect(problems).toEqual([]);
    } finally {
      await browser.close();
    }
  });
});

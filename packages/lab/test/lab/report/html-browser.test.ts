/**
 * report.html in a real browser: headless Chromium with every non-file request aborted and
 * recorded. Fails (never skips) when Chromium is missing: the charts are part of the report.
 */
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { test } from 'node:test';
import { pathToFileURL } from 'node:url';
import { chromium } from 'playwright-core';
import { renderHtml } from '../../../src/lab/report/html.js';
import { makeReport } from './fixture.js';

const CHROMIUM = '/usr/bin/chromium';
const ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];
/**
 * Runs in the page. Kept as source text: functions compiled for Node may carry helpers the page
 * does not have.
 */
const TINT_PROBE = `(() => {
  const fig = document.querySelector('figure[data-chart="latency"][data-mode="stateless"]');
  const canvas = fig.querySelector('canvas');
  const band = fig.querySelector('.fault-band[data-kind="roll"]').getBoundingClientRect();
  const c = canvas.getBoundingClientRect();
  const scale = canvas.width / c.width;
  const ctx = canvas.getContext('2d');
  const share = (xCss) => {
    const x = Math.round((xCss - c.left) * scale);
    const y0 = Math.round((band.top - c.top) * scale);
    const h = Math.round(band.height * scale);
    const px = ctx.getImageData(x, y0, 1, h).data;
    let tinted = 0;
    for (let i = 0; i < px.length; i += 4) if (px[i + 3] > 0) tinted++;
    return tinted / (px.length / 4);
  };
  return { inside: share(band.left + band.width / 2), outside: share(band.left - band.width / 2) };
})()`;
// The screenshot kept in docs/ is refreshed on request only, so a test run leaves the tree clean.
const SCREENSHOT = process.env.STATECRAFT_UPDATE_SCREENSHOTS
  ? resolve(import.meta.dirname, '../../../../../docs/report.png')
  : resolve(tmpdir(), `statecraft-report-${process.pid}.png`);

test('report.html renders offline: charts, one band per fault, one claims row per claim', async () => {
  assert.ok(existsSync(CHROMIUM), `Chromium is required at ${CHROMIUM} to check report.html`);
  const report = makeReport();
  const dir = mkdtempSync(join(tmpdir(), 'statecraft-report-'));
  const file = join(dir, 'report.html');
  writeFileSync(file, renderHtml(report));
  const browser = await chromium.launch({ executablePath: CHROMIUM, args: ARGS, timeout: 20_000 });
  try {
    const context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
    const attempted: string[] = [];
    await context.route('**/*', (route) => {
      const url = route.request().url();
      if (url.startsWith('file:')) return route.continue();
      attempted.push(url);
      return route.abort();
    });
    const page = await context.newPage();
    const problems: string[] = [];
    page.on('request', (r) => {
      if (!r.url().startsWith('file:')) attempted.push(r.url());
    });
    page.on('pageerror', (e) => problems.push(e.message));
    page.on('console', (m) => {
      if (m.type() === 'error') problems.push(m.text());
    });
    await page.goto(pathToFileURL(file).href);
    await page.waitForFunction("document.documentElement.dataset.chartsReady === 'true'", null, {
      timeout: 10_000,
    });

    assert.deepEqual(problems, []);
    for (const m of report.modes) {
      for (const chart of ['throughput', 'latency']) {
        const fig = page.locator(`figure[data-chart="${chart}"][data-mode="${m.mode}"]`);
        assert.ok((await fig.locator('canvas').count()) >= 1, `${m.mode} ${chart} has a canvas`);
        const kinds = await fig
          .locator('.fault-band')
          .evaluateAll((els) => els.map((e) => e.getAttribute('data-kind')));
        assert.deepEqual(
          kinds,
          m.faults.map((f) => f.kind),
          `${m.mode} ${chart}: one band per fault`,
        );
      }
    }

    // The hook paints each band on the canvas: a column through the middle of a band is painted
    // almost top to bottom, a column outside every band is mostly untouched (transparent).
    const tint = (await page.evaluate(TINT_PROBE)) as { inside: number; outside: number };
    assert.ok(tint.inside > 0.8, `band painted: ${JSON.stringify(tint)}`);
    assert.ok(tint.outside < 0.5, `outside the band stays clear: ${JSON.stringify(tint)}`);

    const rows = page.locator('table#claims > tbody > tr');
    assert.equal(await rows.count(), report.claims.length);
    const verdicts = await rows.locator(':scope > td > .verdict').allTextContents();
    assert.deepEqual(
      verdicts,
      report.claims.map((c) => c.verdict),
    );

    await page.screenshot({ path: SCREENSHOT });
    const png = readFileSync(SCREENSHOT);
    assert.equal(png.readUInt32BE(16), 1280);
    assert.equal(png.readUInt32BE(20), 800);
    assert.deepEqual(attempted, [], 'no request left the file');
  } finally {
    await browser.close();
    rmSync(dir, { recursive: true, force: true });
  }
});

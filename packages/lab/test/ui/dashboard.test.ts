/**
 * The live dashboard in a real browser: `statecraft lab --ui` runs the four architectures side
 * by side, headless Chromium opens the page, sees every lane's numbers move, kills a sticky
 * instance with a click and watches sticky's users lose their sessions while shared's lose
 * none, then brings the instance back with the keyboard alone. Fails (never skips) when
 * Chromium is missing.
 */
import assert from 'node:assert/strict';
import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { test } from 'node:test';
import { chromium, type Page } from 'playwright-core';

const CHROMIUM = '/usr/bin/chromium';
const CLI = resolve(import.meta.dirname, '../../src/cli/index.ts');
const ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--no-first-run',
  '--disable-background-networking',
];
// The screenshot in docs/ is refreshed on request only, so a test run leaves the tree clean.
const SCREENSHOT = process.env.UPDATE_SCREENSHOT
  ? resolve(import.meta.dirname, '../../../../docs/dashboard.png')
  : resolve(tmpdir(), `statecraft-dashboard-${process.pid}.png`);

/**
 * Starts the lab with its dashboard in a process group of its own, its clusters' directories
 * under `dir`; resolves the page's address once it is printed.
 */
function startLab(dir: string): { child: ChildProcess; url: Promise<string>; output: () => string } {
  const child = spawn(
    process.execPath,
    ['--conditions=statecraft-source', '--import', 'tsx', CLI, 'lab', '--ui', '--out', join(dir, 'out')],
    { stdio: ['ignore', 'pipe', 'pipe'], detached: true, env: { ...process.env, TMPDIR: dir } },
  );
  let text = '';
  child.stdout!.on('data', (d) => {
    text += d;
  });
  const url = new Promise<string>((resolveUrl, reject) => {
    child.stderr!.on('data', (d) => {
      text += d;
      const m = /dashboard: (http:\/\/127\.0\.0\.1:\d+\/)/.exec(text);
      if (m) resolveUrl(m[1]!);
    });
    child.once('exit', (code) => reject(new Error(`the lab exited (${code}) before serving:\n${text}`)));
  });
  return { child, url, output: () => text };
}

/**
 * Ends the lab and its instances at once (the end-of-run probes are not what this test is
 * about, and take minutes on a busy machine); the caller removes their directories.
 */
async function stopLab(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.pid === undefined) return;
  const exited = new Promise((r) => child.once('exit', r));
  process.kill(-child.pid, 'SIGKILL');
  await exited;
}

// Run in the page; kept as source text (this package compiles without the DOM's types).
const stickyLostOver = (n: number) =>
  `Number(document.querySelector('#lane-sticky [data-c="sessionsLost"]').textContent.replace(/,/g, '')) > ${n}`;
const FOCUSED = `(() => {
  const el = document.activeElement;
  return { label: el.getAttribute('aria-label') ?? el.textContent, tag: el.tagName, outline: getComputedStyle(el).outlineStyle };
})()`;

const laneNumber = (page: Page, mode: string, counter: string) =>
  page
    .locator(`#lane-${mode} [data-c="${counter}"]`)
    .textContent()
    .then((t) => Number((t ?? '').replace(/,/g, '')));
const requests = (page: Page, mode: string) =>
  page.locator(`#lane-${mode}`).getAttribute('data-requests').then(Number);

test('the dashboard shows four live lanes; a kill on sticky loses sessions there and none in shared', {
  timeout: 240_000,
}, async (t) => {
  assert.ok(existsSync(CHROMIUM), `Chromium is required at ${CHROMIUM} to test the dashboard`);
  const dir = mkdtempSync(join(tmpdir(), 'statecraft-dash-'));
  const lab = startLab(dir);
  const browser = await chromium.launch({ executablePath: CHROMIUM, args: ARGS, timeout: 20_000 });
  try {
    const url = await lab.url;
    const page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
    const foreign: string[] = [];
    page.on('request', (r) => {
      if (!r.url().startsWith('http://127.0.0.1:')) foreign.push(r.url());
    });
    await page.goto(url);
    const t0 = performance.now();

    // Four lanes, each with load running and numbers that change.
    const modes = ['sticky', 'shared', 'stateless', 'hybrid'];
    for (const m of modes) {
      // Lanes are set up one after another; a lane that failed says why in its log.
      await page
        .locator(`#lane-${m}:is([data-phase="live"], [data-phase="failed"])`)
        .waitFor({ timeout: 150_000 });
      const phase = await page.locator(`#lane-${m}`).getAttribute('data-phase');
      assert.equal(
        phase,
        'live',
        `${m}: ${await page.locator(`#lane-${m} .log`).textContent()}\n${lab.output()}`,
      );
    }
    const liveAfter = (performance.now() - t0) / 1000;
    assert.equal(await page.locator('section.lane').count(), 4);
    const before = await Promise.all(modes.map((m) => requests(page, m)));
    await page.waitForTimeout(2500);
    const after = await Promise.all(modes.map((m) => requests(page, m)));
    for (const [i, m] of modes.entries())
      assert.ok(after[i]! > before[i]!, `${m}: ${before[i]} → ${after[i]} requests`);
    assert.equal(await page.locator('#lane-sticky .tile[data-state="alive"]').count(), 3);
    // Before the kill sticky may already have lost a few (an instance too slow for its health
    // check leaves the balancer, and its users land where their session is not): the kill must
    // add to it.
    const lostBefore = await laneNumber(page, 'sticky', 'sessionsLost');

    // A click on kill: the tile turns dead, sticky's users on it must log in again.
    await page.getByRole('button', { name: 'kill sticky i1' }).click();
    await page.locator('#lane-sticky .tile[data-id="i1"][data-state="dead"]').waitFor({ timeout: 5000 });
    await page.waitForFunction(stickyLostOver(lostBefore), null, { timeout: 20_000 });
    assert.ok(
      (await laneNumber(page, 'sticky', 'sessionsLost')) > lostBefore,
      'sticky lost sessions to the kill',
    );
    const sharedRequests = await requests(page, 'shared');
    assert.ok(sharedRequests > after[1]!, 'shared kept serving while sticky lost sessions');
    const lostAfter = await laneNumber(page, 'sticky', 'sessionsLost');
    assert.equal(await laneNumber(page, 'shared', 'sessionsLost'), 0, "shared's users lose no session");
    t.diagnostic(
      `four lanes live ${liveAfter.toFixed(0)} s after the page opened; requests ${modes.map((m, i) => `${m} ${before[i]}→${after[i]}`).join(', ')}`,
    );
    t.diagnostic(`sticky sessions lost ${lostBefore} before the kill, ${lostAfter} after; shared 0`);
    assert.match((await page.locator('#lane-sticky .log').textContent()) ?? '', /i1 exited \(SIGKILL\)/);
    await page.screenshot({ path: SCREENSHOT });

    // The keyboard alone: Tab to sticky i1's restart (past the disabled kill), Enter.
    await page.locator('body').focus();
    let reached = false;
    for (let i = 0; i < 40 && !reached; i++) {
      await page.keyboard.press('Tab');
      const focused = (await page.evaluate(FOCUSED)) as { label: string; tag: string; outline: string };
      assert.ok(['BUTTON', 'A', 'OL'].includes(focused.tag), `focus went to ${focused.tag}`);
      if (focused.label === 'restart sticky i1') {
        assert.notEqual(focused.outline, 'none', 'the focused button shows it');
        reached = true;
      }
    }
    assert.ok(reached, 'Tab reaches the restart button of sticky i1');
    await page.keyboard.press('Enter');
    await page.locator('#lane-sticky .tile[data-id="i1"][data-state="alive"]').waitFor({ timeout: 20_000 });
    assert.equal(await laneNumber(page, 'shared', 'sessionsLost'), 0, "shared's users still lost none");
    assert.deepEqual(foreign, [], 'the page loads nothing from outside (no CDN)');
  } finally {
    await browser.close();
    await stopLab(lab.child);
    rmSync(dir, { recursive: true, force: true });
  }
});

/**
 * The dashboard's server and the control API's lane operations, without a browser: what the
 * page is served, who may stop a run, how the end-of-run tables arrive, and `POST /actions/:name`.
 */
import assert from 'node:assert/strict';
import { request } from 'node:http';
import { describe, it } from 'node:test';
import { startControl } from '../../src/cluster/control.js';
import type { Supervisor } from '../../src/cluster/supervisor.js';
import { DEFAULT_CONFIG } from '../../src/lab/run.js';
import { startDashboard } from '../../src/ui/server.js';
import { makeReport } from '../lab/report/fixture.js';

/** A supervisor with no instances: enough for the routes that do not touch one. */
const idle = {
  onEvent: () => () => {},
  snapshot: () => [],
  list: async () => [],
} as unknown as Supervisor;

/** A request with a Host header of our choosing (fetch does not let one set it). */
function raw(url: string, host: string): Promise<number> {
  return new Promise((resolve, reject) => {
    request(url, { headers: { host } }, (res) => {
      res.resume();
      resolve(res.statusCode ?? 0);
    })
      .on('error', reject)
      .end();
  });
}

describe('control API: lane operations', () => {
  it('runs a registered action, refuses unknown ones, other methods and foreign origins', async () => {
    let rolls = 0;
    const control = await startControl({
      supervisor: idle,
      balancer: null,
      allowOrigins: ['http://127.0.0.1:1234'],
      actions: {
        roll: async () => {
          rolls++;
          return { done: 'rolled' };
        },
      },
    });
    try {
      const ok = await fetch(`${control.url}/actions/roll`, {
        method: 'POST',
        headers: { origin: 'http://127.0.0.1:1234' },
      });
      assert.equal(ok.status, 200);
      assert.deepEqual(await ok.json(), { done: 'rolled' });
      assert.equal(ok.headers.get('access-control-allow-origin'), 'http://127.0.0.1:1234');
      const unknown = await fetch(`${control.url}/actions/toString`, { method: 'POST' });
      assert.equal(unknown.status, 404);
      assert.equal(((await unknown.json()) as { error: { code: string } }).error.code, 'UNKNOWN_ACTION');
      assert.equal((await fetch(`${control.url}/actions/roll`)).status, 405);
      const foreign = await fetch(`${control.url}/actions/roll`, {
        method: 'POST',
        headers: { origin: 'http://evil.example' },
      });
      assert.equal(foreign.status, 403);
      assert.equal(rolls, 1);
    } finally {
      await control.close();
    }
  });
});

describe('dashboard server', () => {
  it('serves the page and uPlot from the lab, answers only to its own address', async () => {
    const d = await startDashboard({ config: DEFAULT_CONFIG });
    try {
      const page = await fetch(`${d.url}/`);
      assert.equal(page.status, 200);
      const html = await page.text();
      assert.match(html, /<script src="\/dashboard\.js">/);
      assert.doesNotMatch(html, /https?:\/\//, 'nothing is loaded from elsewhere');
      const uplot = await fetch(`${d.url}/vendor/uPlot.iife.min.js`);
      assert.match(uplot.headers.get('content-type') ?? '', /javascript/);
      assert.match(await uplot.text(), /uPlot/);
      assert.equal((await fetch(`${d.url}/dashboard.css`)).status, 200);
      assert.equal((await fetch(`${d.url}/../package.json`)).status, 404);
      assert.equal(await raw(`${d.url}/`, 'attacker.example'), 421);
    } finally {
      await d.close();
    }
  });

  it('only its own page stops the run; the end-of-run tables are the report renderer output', async () => {
    const d = await startDashboard({ config: DEFAULT_CONFIG });
    try {
      let stopped = false;
      void d.stopped.then(() => {
        stopped = true;
      });
      const foreign = await fetch(`${d.url}/stop`, {
        method: 'POST',
        headers: { origin: 'http://evil.example' },
      });
      assert.equal(foreign.status, 403);
      await new Promise((r) => setImmediate(r));
      assert.equal(stopped, false);
      const own = await fetch(`${d.url}/stop`, { method: 'POST', headers: { origin: d.url } });
      assert.equal(own.status, 202);
      await d.stopped;

      const report = makeReport();
      d.finish(report);
      const ac = new AbortController();
      const stream = await fetch(`${d.url}/stream`, { signal: ac.signal });
      assert.equal(stream.headers.get('content-type'), 'text/event-stream');
      let text = '';
      for await (const chunk of stream.body!) {
        text += Buffer.from(chunk as Uint8Array).toString();
        if (text.includes('event: report')) break;
      }
      ac.abort();
      const hello = JSON.parse(/^event: hello\ndata: (.*)$/m.exec(text)![1]!) as {
        lanes: { mode: string; sessionsLost: number; points: unknown[] }[];
      };
      // A page that connects late gets every lane's counters and points so far in one go.
      for (const l of hello.lanes) assert.deepEqual([l.sessionsLost, l.points], [0, []]);
      assert.deepEqual(
        hello.lanes.map((l) => l.mode),
        DEFAULT_CONFIG.modes,
      );
      const tables = (JSON.parse(/^event: report\ndata: (.*)$/m.exec(text)![1]!) as { html: string }).html;
      assert.match(tables, /<table class="comparison">/);
      assert.match(tables, /<table id="claims">/);
      for (const c of report.claims) assert.match(tables, new RegExp(`id="claim-${c.id}"`));
      assert.match(await (await fetch(`${d.url}/report.html`)).text(), /^<!doctype html>/);
    } finally {
      await d.close();
    }
  });
});

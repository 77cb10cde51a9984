import assert from 'node:assert/strict';
import { test } from 'node:test';
import { loadUplotAssets, renderHtml } from '../../../src/lab/report/html.js';
import { makeReport } from './fixture.js';

const assets = loadUplotAssets();

test('report.html is self-contained: uPlot and the data inline, nothing fetched', () => {
  const html = renderHtml(makeReport(), assets);
  assert.ok(html.includes(assets.js), 'uPlot script inlined');
  assert.ok(html.includes(assets.css), 'uPlot stylesheet inlined');
  assert.match(html, /<script type="application\/json" id="report-data">/);
  assert.doesNotMatch(html, /<script[^>]+src=/i);
  assert.doesNotMatch(html, /<link\b/i);
  assert.doesNotMatch(html, /(src|href)="(https?:)?\/\//i);
  assert.doesNotMatch(html, /url\(\s*['"]?(https?:)?\/\//i);
  assert.doesNotMatch(html, /@import/i);
});

test('report.html declares its language, captions its tables and heads their columns', () => {
  const html = renderHtml(makeReport(), assets);
  assert.match(html, /<html lang="en">/);
  assert.match(html, /<table id="claims">\s*<caption>/);
  assert.match(html, /<table class="comparison">\s*<caption>/);
  assert.match(html, /<th scope="col">Verdict<\/th>/);
  assert.equal((html.match(/<tr id="claim-C\d+"/g) ?? []).length, 13);
});

test('the header gives the date, seed, schedule hash, config and machine', () => {
  const r = makeReport();
  const html = renderHtml(r, assets);
  for (const s of [
    '2025-11-25 14:27:03Z',
    `<dd>${r.seed}</dd>`,
    r.scheduleHash,
    'builtin balancer',
    r.machine.model,
  ]) {
    assert.ok(html.includes(s), s);
  }
  assert.match(html, /class="status status-valid">VALID</);
});

test('an INVALID report says so loudly, with its reasons', () => {
  const html = renderHtml(makeReport({ valid: false }), assets);
  assert.match(html, /class="status status-invalid">INVALID</);
  assert.match(html, /role="alert"/);
  assert.match(html, /generator achieved 310 of 400 req\/s/);
  assert.match(html, /<title>[^<]*INVALID/);
});

test('text from a run cannot break out of the page', () => {
  const r = makeReport();
  r.modes[0]!.faults[0]!.target = '</script><img src=x onerror=alert(1)>';
  r.modes[0]!.store = '<b>memory</b>';
  const html = renderHtml(r, assets);
  assert.doesNotMatch(html, /<\/script><img/);
  assert.doesNotMatch(html, /<b>memory<\/b>/);
  const json = /<script type="application\/json" id="report-data">(.*?)<\/script>/s.exec(html)?.[1];
  const data = JSON.parse(json!) as { modes: { faults: { target?: string }[] }[] };
  assert.equal(data.modes[0]?.faults[0]?.target, '</script><img src=x onerror=alert(1)>');
});

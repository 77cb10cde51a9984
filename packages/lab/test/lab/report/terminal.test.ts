import assert from 'node:assert/strict';
import { test } from 'node:test';
import { renderTerminal } from '../../../src/lab/report/terminal.js';
import { makeReport } from './fixture.js';

const ESC = String.fromCharCode(27);
// Escape codes take no columns on screen.
const visible = (s: string) =>
  s
    .split(ESC)
    .map((part, i) => (i === 0 ? part : part.replace(/^\[[0-9;]*m/, '')))
    .join('');

test('the terminal report names every claim and every mode', () => {
  const report = makeReport();
  const out = renderTerminal(report);
  for (const c of report.claims) assert.match(out, new RegExp(`^${c.id}\\s+${c.verdict}`, 'm'));
  for (const m of report.modes) assert.match(out, new RegExp(`^${m.mode}\\s`, 'm'));
});

test('the terminal report fits 120 columns, with or without colour', () => {
  for (const color of [false, true]) {
    for (const valid of [true, false]) {
      const out = renderTerminal(makeReport({ valid }), { color });
      for (const line of out.split('\n'))
        assert.ok(visible(line).length <= 120, `${visible(line).length}: ${line}`);
    }
  }
});

test('the comparison shows corrected latency with the uncorrected figure beside it', () => {
  const report = makeReport();
  const base = report.modes[0]!.phases.find((p) => p.kind === 'baseline')!;
  const out = renderTerminal(report);
  assert.match(
    out,
    new RegExp(`${base.latency.p99.toFixed(2)} \\(${base.latencyUncorrected.p99.toFixed(2)}\\)`),
  );
});

test('a credential that stays valid reads "never before expiry"', () => {
  assert.match(renderTerminal(makeReport()), /^stateless\s.*never before expiry$/m);
});

test('an INVALID run opens with a loud banner and its reasons', () => {
  const out = renderTerminal(makeReport({ valid: false }));
  assert.match(out, /^!{120}$/m);
  assert.match(out, /INVALID RUN/);
  assert.match(out, /generator achieved 310 of 400 req\/s/);
  assert.doesNotMatch(renderTerminal(makeReport()), /INVALID/);
});

test('colour paints the verdicts only when asked', () => {
  assert.ok(!renderTerminal(makeReport()).includes(ESC));
  assert.ok(renderTerminal(makeReport(), { color: true }).includes(`${ESC}[32mholds`));
});

/**
 * C2 — "Stateless servers are more fault tolerant: a failure affects only the request in
 * flight." Same SIGKILL as C1. The failure stays with the requests in flight when stateless
 * has no failures after the kill phase (beyond the stray ones at its boundary); stateless is
 * more fault tolerant than a stateful mode when it fails clearly fewer requests over the kill
 * and the phase after it. `depends` names the stateful modes it beats and those it does not.
 */
import type { ClaimResult, Mode, ModeReport } from '../model.js';
import { list, num, pct } from './format.js';
import { FigureReader } from './reader.js';
import { describeMode, STATEFUL_MODES, STATELESS_MODE } from './roles.js';
import { compareBeyond, FAILURE_MARGIN, STRAY_FAILURES_AFTER_KILL } from './thresholds.js';

const DURING = 'failed_requests_during_kill';
const AFTER = 'failed_requests_after_kill';
const SHARE = 'failed_share_during_kill';

/** The C2 rule. */
export function c02(modes: readonly ModeReport[]): ClaimResult {
  const r = new FigureReader('C2', modes, [DURING, AFTER, SHARE]);
  const stateful = r.present(STATEFUL_MODES);
  const absent = r.missingModes(stateful.length ? [STATELESS_MODE] : [STATELESS_MODE, ...STATEFUL_MODES]);
  if (absent) return absent;
  const gap = r.unavailable([STATELESS_MODE, ...stateful], [DURING, AFTER]);
  if (gap) return gap;

  const total = (m: Mode) => r.num(m, DURING) + r.num(m, AFTER);
  const says = (m: Mode) => {
    const share = r.value(m, SHARE);
    return `${m}: ${num(r.num(m, DURING))} failed during the kill${share === null ? '' : ` (${pct(share)})`}, ${num(r.num(m, AFTER))} after`;
  };
  const s = STATELESS_MODE;

  if (r.num(s, AFTER) > STRAY_FAILURES_AFTER_KILL) {
    return r.result(
      'does not hold',
      `The failure outlived the requests in flight: ${says(s)} (more than ${STRAY_FAILURES_AFTER_KILL} after the kill phase).`,
    );
  }
  const beaten = stateful.filter((m) => compareBeyond(total(s), total(m), FAILURE_MARGIN) < 0);
  const matched = stateful.filter((m) => !beaten.includes(m));
  const them = list(stateful.map(says));
  if (matched.length === 0) {
    return r.result(
      'holds',
      `Only the requests in flight failed for stateless (${says(s)}), clearly fewer than ${them}.`,
    );
  }
  if (beaten.length === 0) {
    return r.result(
      'does not hold',
      `Stateless failed no fewer requests than the stateful modes: ${says(s)}; ${them}.`,
    );
  }
  const desc = (m: Mode) => describeMode(r.mode(m), `${num(total(m))} failed`);
  return r.result(
    'depends',
    `Stateless (${num(total(s))} failed, ${num(r.num(s, AFTER))} after the kill) is more fault tolerant than ${list(beaten.map(desc))}, but not than ${list(matched.map(desc))}.`,
  );
}

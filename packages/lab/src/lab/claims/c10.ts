/**
 * C10 — "Stateless deployment is simpler: no state to sync on deploy." Every instance is
 * restarted one after another under load. Stateless deploys more simply than a stateful mode
 * when it loses no session and that mode loses sessions or fails clearly more requests (by
 * FAILURE_MARGIN), while stateless fails no clearly more requests itself.
 */
import type { ClaimResult, Mode, ModeReport } from '../model.js';
import { list, num } from './format.js';
import { FigureReader } from './reader.js';
import { describeMode, STATEFUL_MODES, STATELESS_MODE } from './roles.js';
import { ACCEPTABLE_LOSS, compareBeyond, FAILURE_MARGIN } from './thresholds.js';

const FAILED = 'failed_requests_during_roll';
const LOST = 'sessions_lost_during_roll';

/** The C10 rule. */
export function c10(modes: readonly ModeReport[]): ClaimResult {
  const r = new FigureReader('C10', modes, [FAILED, LOST]);
  const stateful = r.present(STATEFUL_MODES);
  const absent = r.missingModes(stateful.length ? [STATELESS_MODE] : [STATELESS_MODE, ...STATEFUL_MODES]);
  if (absent) return absent;
  const gap = r.unavailable([STATELESS_MODE, ...stateful], [FAILED, LOST]);
  if (gap) return gap;

  const s = STATELESS_MODE;
  const says = (m: Mode) => `${m} ${num(r.num(m, FAILED))} failed, ${num(r.num(m, LOST))} sessions lost`;
  const said = `During a rolling restart: ${list([s, ...stateful].map(says))}`;
  if (r.num(s, LOST) > ACCEPTABLE_LOSS) {
    return r.result('does not hold', `${said}: stateless lost sessions on deploy.`);
  }
  const failCmp = (m: Mode) => compareBeyond(r.num(s, FAILED), r.num(m, FAILED), FAILURE_MARGIN);
  const simpler = stateful.filter(
    (m) => (r.num(m, LOST) > ACCEPTABLE_LOSS || failCmp(m) < 0) && failCmp(m) <= 0,
  );
  const not = stateful.filter((m) => !simpler.includes(m));
  if (not.length === 0) return r.result('holds', `${said}.`);
  if (simpler.length === 0) {
    return r.result('does not hold', `${said}: stateless deployed no more smoothly than stateful.`);
  }
  return r.result(
    'depends',
    `Stateless deploys more simply than ${list(simpler.map((m) => describeMode(r.mode(m))))}, not than ${list(not.map((m) => describeMode(r.mode(m))))}. ${said}.`,
  );
}

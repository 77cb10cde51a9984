/**
 * C9 — "Stateful keeps transaction integrity across requests; stateless requests are
 * independent." Many cart additions are sent at once on one session. A mode keeps integrity
 * when it loses no acknowledged item and never answers with another user's data. The claim holds
 * when every stateful mode keeps integrity and stateless does not; if stateless keeps it too,
 * the difference the claim names did not show, so it does not hold.
 */
import type { ClaimResult, Mode, ModeReport } from '../model.js';
import { list, num } from './format.js';
import { FigureReader } from './reader.js';
import { describeMode, STATEFUL_MODES, STATELESS_MODE } from './roles.js';
import { ACCEPTABLE_LOSS } from './thresholds.js';

const LOST = 'concurrent_items_lost';
const SENT = 'concurrent_items_sent';
const WRONG = 'wrong_user_responses';

/** The C9 metrics, for rules that build on it (C11). */
export const INTEGRITY_METRICS = [LOST, SENT, WRONG] as const;

/** True when `m` lost no concurrent item and served no one else's data. */
export function keepsIntegrity(r: FigureReader, m: Mode): boolean {
  return r.num(m, LOST) <= ACCEPTABLE_LOSS && r.num(m, WRONG) <= ACCEPTABLE_LOSS;
}

/** `shared lost 0 of 50 items` (plus wrong-user responses when there were any). */
export function integrityWords(r: FigureReader, m: Mode): string {
  const sent = r.value(m, SENT);
  const wrong = r.num(m, WRONG);
  return `${m} lost ${num(r.num(m, LOST))}${sent === null ? '' : ` of ${num(sent)}`} items${wrong > 0 ? ` and sent ${num(wrong)} responses with another user's data` : ''}`;
}

/** The C9 rule. */
export function c09(modes: readonly ModeReport[]): ClaimResult {
  const r = new FigureReader('C9', modes, INTEGRITY_METRICS);
  const stateful = r.present(STATEFUL_MODES);
  const absent = r.missingModes(stateful.length ? [STATELESS_MODE] : [STATELESS_MODE, ...STATEFUL_MODES]);
  if (absent) return absent;
  const gap = r.unavailable([STATELESS_MODE, ...stateful], [LOST, WRONG]);
  if (gap) return gap;

  const s = STATELESS_MODE;
  const said = `Concurrent additions on one session: ${list([...stateful, s].map((m) => integrityWords(r, m)))}`;
  const kept = stateful.filter((m) => keepsIntegrity(r, m));
  const broke = stateful.filter((m) => !keepsIntegrity(r, m));
  if (broke.length === 0 && !keepsIntegrity(r, s)) return r.result('holds', `${said}.`);
  if (broke.length === 0) {
    return r.result('does not hold', `${said}: stateless kept every item too, so no difference showed.`);
  }
  if (kept.length === 0) return r.result('does not hold', `${said}: no stateful mode kept integrity.`);
  return r.result(
    'depends',
    `Stateful keeps integrity with ${list(kept.map((m) => describeMode(r.mode(m))))}, not with ${list(broke.map((m) => describeMode(r.mode(m))))}. ${said}.`,
  );
}

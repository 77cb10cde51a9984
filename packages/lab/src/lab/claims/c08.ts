/**
 * C8 — "Stateful gives central control: sessions are easy to invalidate." After "log out
 * everywhere", how long until the old credential is refused on every instance. A stateful mode
 * gives central control when that delay is at most REVOCATION_PROMPT_MS. A null delay noted
 * "never before expiry" (the credential lived until it expired) or "not refused within the
 * probe" (still accepted when the probe gave up) is a result; a null with any other note is a gap. stateless and hybrid are reported beside, as the contrast.
 */
import type { ClaimResult, Mode, ModeReport } from '../model.js';
import { list, ms } from './format.js';
import { NEVER_BEFORE_EXPIRY, NOT_REFUSED_WITHIN_PROBE } from './metrics.js';
import { FigureReader } from './reader.js';
import { describeMode, MODE_ORDER, STATEFUL_MODES } from './roles.js';
import { REVOCATION_PROMPT_MS } from './thresholds.js';

const DELAY = 'revocation_delay_ms';

/** How a revocation went: in time, late, never before expiry, or not measured. */
export type RevocationOutcome = 'prompt' | 'late' | 'never' | 'unknown';

/** The outcome of `m`'s revocation probe, against REVOCATION_PROMPT_MS. */
export function revocationOutcome(r: FigureReader, m: Mode): RevocationOutcome {
  const v = r.value(m, DELAY);
  if (v !== null) return v <= REVOCATION_PROMPT_MS ? 'prompt' : 'late';
  const note = r.note(m, DELAY);
  if (note === NEVER_BEFORE_EXPIRY) return 'never';
  // The probe waits longer than the threshold, so "gave up" is late, not unknown.
  if (note === NOT_REFUSED_WITHIN_PROBE) return 'late';
  return 'unknown';
}

/** The delay in words: `after 4 ms`, `never before expiry`, `not refused within the probe`, or `not measured (…)`. */
export function revocationWords(r: FigureReader, m: Mode): string {
  const v = r.value(m, DELAY);
  if (v !== null) return `after ${ms(v)}`;
  const note = r.note(m, DELAY);
  if (note === NEVER_BEFORE_EXPIRY || note === NOT_REFUSED_WITHIN_PROBE) return note;
  return `not measured (${note ?? 'no note'})`;
}

/** The C8 rule. */
export function c08(modes: readonly ModeReport[]): ClaimResult {
  const r = new FigureReader('C8', modes, [DELAY]);
  const stateful = r.present(STATEFUL_MODES);
  if (stateful.length === 0) return r.missingModes(STATEFUL_MODES)!;
  const gaps = stateful.filter((m) => revocationOutcome(r, m) === 'unknown');
  if (gaps.length > 0) return r.unavailable(gaps, [DELAY])!;

  const all = list(r.present(MODE_ORDER).map((m) => `${m} ${revocationWords(r, m)}`));
  const said = `Old credential refused on every instance: ${all}`;
  const prompt = stateful.filter((m) => revocationOutcome(r, m) === 'prompt');
  const slow = stateful.filter((m) => revocationOutcome(r, m) !== 'prompt');
  const limit = `within ${ms(REVOCATION_PROMPT_MS)}`;
  if (slow.length === 0) return r.result('holds', `${said}; every stateful mode revoked ${limit}.`);
  if (prompt.length === 0) return r.result('does not hold', `${said}; no stateful mode revoked ${limit}.`);
  return r.result(
    'depends',
    `Stateful revokes ${limit} with ${list(prompt.map((m) => describeMode(r.mode(m))))}, not with ${list(slow.map((m) => describeMode(r.mode(m))))}. ${said}.`,
  );
}

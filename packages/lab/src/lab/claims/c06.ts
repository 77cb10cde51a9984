/**
 * C6 — "Stateful load balancing needs sticky sessions; stateless works with plain round-robin."
 * sticky's memory sessions run behind round-robin, and every mode reports the share of
 * authenticated requests that found themselves logged out. A share is negligible up to
 * SESSION_LOSS_NEGLIGIBLE, significant from SESSION_LOSS_SIGNIFICANT, and too small to call in
 * between. When the shared store also works behind round-robin, stateful needs sticky sessions
 * only for in-memory sessions: `depends`.
 */
import type { ClaimResult, Mode, ModeReport } from '../model.js';
import { list, pct } from './format.js';
import { FigureReader } from './reader.js';
import { describeMode } from './roles.js';
import { SESSION_LOSS_NEGLIGIBLE, SESSION_LOSS_SIGNIFICANT } from './thresholds.js';

const SHARE = 'session_loss_share_round_robin';

type Level = 'negligible' | 'unclear' | 'significant';

function level(share: number): Level {
  if (share <= SESSION_LOSS_NEGLIGIBLE) return 'negligible';
  if (share >= SESSION_LOSS_SIGNIFICANT) return 'significant';
  return 'unclear';
}

/** The C6 rule. */
export function c06(modes: readonly ModeReport[]): ClaimResult {
  const r = new FigureReader('C6', modes, [SHARE]);
  const absent = r.missingModes(['sticky', 'stateless']);
  if (absent) return absent;
  const judged = r.present(['sticky', 'shared', 'stateless']);
  const gap = r.unavailable(judged, [SHARE]);
  if (gap) return gap;

  const lvl = (m: Mode) => level(r.num(m, SHARE));
  const says = list(judged.map((m) => `${m} ${pct(r.num(m, SHARE))}`));
  const lost = `behind plain round-robin, ${says} of requests lost their session`;
  if (lvl('stateless') === 'significant') {
    return r.result('does not hold', `Stateless does not work with plain round-robin: ${lost}.`);
  }
  if (lvl('sticky') === 'negligible') {
    return r.result('does not hold', `Memory sessions survived plain round-robin: ${lost}.`);
  }
  const unclear = judged.filter((m) => lvl(m) === 'unclear');
  if (unclear.length > 0) {
    return r.result(
      'inconclusive',
      `The loss is too small to call: ${lost}; ${list(unclear)} lies between ${pct(SESSION_LOSS_NEGLIGIBLE)} and ${pct(SESSION_LOSS_SIGNIFICANT)}.`,
    );
  }
  if (r.has('shared') && lvl('shared') === 'negligible') {
    return r.result(
      'depends',
      `Stateful needs sticky sessions only when sessions live in instance memory, not with ${describeMode(r.mode('shared'))}: ${lost}.`,
    );
  }
  return r.result('holds', `Only stateless works without sticky sessions: ${lost}.`);
}

/**
 * C1 — "A stateful server can lose session data when it crashes, unless special measures are
 * taken." One instance is killed with SIGKILL mid-run. The stateful server without special
 * measures is `sticky` (sessions in the instance's memory); the special measure is a shared
 * store, taken by `shared` and `hybrid`. The claim holds when sticky loses sessions or cart
 * items and every store-backed mode loses none.
 */
import type { ClaimResult, Mode, ModeReport } from '../model.js';
import { list, num } from './format.js';
import { FigureReader } from './reader.js';
import { ACCEPTABLE_LOSS } from './thresholds.js';

const SESSIONS = 'sessions_lost_after_kill';
const ITEMS = 'cart_items_lost_after_kill';
/** The modes that keep state in a store that outlives the instance. */
const PROTECTED: readonly Mode[] = ['shared', 'hybrid'];

/** The C1 rule. */
export function c01(modes: readonly ModeReport[]): ClaimResult {
  const r = new FigureReader('C1', modes, [SESSIONS, ITEMS]);
  const absent = r.missingModes(['sticky']);
  if (absent) return absent;
  const guarded = r.present(PROTECTED);
  const gap = r.unavailable(['sticky', ...guarded], [SESSIONS, ITEMS]);
  if (gap) return gap;

  const lost = (m: Mode) =>
    `${m} lost ${num(r.num(m, SESSIONS))} sessions and ${num(r.num(m, ITEMS))} cart items`;
  const loses = (m: Mode) => r.num(m, SESSIONS) > ACCEPTABLE_LOSS || r.num(m, ITEMS) > ACCEPTABLE_LOSS;

  if (!loses('sticky')) {
    return r.result(
      'does not hold',
      `After one instance was killed, ${lost('sticky')}: in-memory sessions lost nothing in this run.`,
    );
  }
  if (guarded.length === 0) {
    return r.result(
      'holds',
      `After one instance was killed, ${lost('sticky')}; this run has no store-backed mode to show the special measure.`,
    );
  }
  const leaky = guarded.filter(loses);
  const safe = guarded.filter((m) => !loses(m));
  if (leaky.length === 0) {
    return r.result(
      'holds',
      `After one instance was killed, ${lost('sticky')}, while ${list(safe)} (state in a shared store) lost none.`,
    );
  }
  return r.result(
    'depends',
    `Memory loses state on a crash (${lost('sticky')}), and a shared store protects it only partly: ${list(leaky.map(lost))}${safe.length ? `, while ${list(safe)} lost none` : ''}.`,
  );
}

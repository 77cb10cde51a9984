/**
 * C12 — "Stateless operations are idempotent: repeating one does not change the result." The
 * same checkout is replayed, once carrying an idempotency key and once without. The claim holds
 * when stateless's replay creates no extra order even without a key; it depends (on the key)
 * when only the keyed replay is harmless; it does not hold when even the keyed replay
 * duplicates. The other modes' figures show whether the architecture or the key made the
 * difference.
 */
import type { ClaimResult, Mode, ModeReport } from '../model.js';
import { list, num } from './format.js';
import { FigureReader } from './reader.js';
import { MODE_ORDER, STATELESS_MODE } from './roles.js';
import { ACCEPTABLE_LOSS } from './thresholds.js';

const WITH = 'duplicate_checkouts_with_key';
const WITHOUT = 'duplicate_checkouts_without_key';

/** The C12 rule. */
export function c12(modes: readonly ModeReport[]): ClaimResult {
  const r = new FigureReader('C12', modes, [WITH, WITHOUT]);
  const absent = r.missingModes([STATELESS_MODE]);
  if (absent) return absent;
  const gap = r.unavailable([STATELESS_MODE], [WITH, WITHOUT]);
  if (gap) return gap;

  const s = STATELESS_MODE;
  const says = (m: Mode) => {
    const w = r.value(m, WITH);
    const wo = r.value(m, WITHOUT);
    return `${m} ${w === null ? '?' : num(w)} with a key, ${wo === null ? '?' : num(wo)} without`;
  };
  const said = `Extra orders from a replayed checkout: ${list(r.present(MODE_ORDER).map(says))}`;
  if (r.num(s, WITH) > ACCEPTABLE_LOSS) {
    return r.result('does not hold', `${said}: even a keyed replay changed the result.`);
  }
  if (r.num(s, WITHOUT) <= ACCEPTABLE_LOSS) {
    return r.result('holds', `${said}: repeating the request did not change the result.`);
  }
  const others = r.present(MODE_ORDER).filter((m) => m !== s && r.value(m, WITHOUT) !== null);
  const safeWithout = others.filter((m) => r.num(m, WITHOUT) <= ACCEPTABLE_LOSS);
  const where =
    safeWithout.length === 0
      ? 'in every mode alike'
      : `in stateless (${list(safeWithout)} kept it without a key)`;
  return r.result(
    'depends',
    `A repeated checkout is harmless only when it carries an idempotency key, ${where}. ${said}.`,
  );
}

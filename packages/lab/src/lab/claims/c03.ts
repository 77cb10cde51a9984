/**
 * C3 — "Stateful servers use more memory per client." Memory per 1,000 active sessions is the
 * growth of the instances' RSS plus the bytes an outside store holds (null store bytes count as
 * none for sticky and stateless, which have no outside store; for a store-backed mode they are a
 * gap). A stateful mode uses more when its total exceeds stateless's beyond the memory margin.
 */
import type { ClaimResult, Mode, ModeReport } from '../model.js';
import { list, num } from './format.js';
import { FigureReader } from './reader.js';
import { describeMode, STATEFUL_MODES, STATELESS_MODE } from './roles.js';
import { compareBeyond, MEMORY_MARGIN } from './thresholds.js';

const RSS = 'rss_mb_per_1k_sessions';
const STORE = 'store_bytes_per_1k_sessions';
/** Modes whose sessions live in no outside store: a null store figure means zero bytes. */
const NO_OUTSIDE_STORE: readonly Mode[] = ['sticky', 'stateless'];
const BYTES_PER_MB = 1e6;

/** The C3 rule. */
export function c03(modes: readonly ModeReport[]): ClaimResult {
  const r = new FigureReader('C3', modes, [RSS, STORE]);
  const stateful = r.present(STATEFUL_MODES);
  const absent = r.missingModes(stateful.length ? [STATELESS_MODE] : [STATELESS_MODE, ...STATEFUL_MODES]);
  if (absent) return absent;
  const judged = [STATELESS_MODE, ...stateful];
  const gap =
    r.unavailable(judged, [RSS]) ??
    r.unavailable(
      judged.filter((m) => !NO_OUTSIDE_STORE.includes(m)),
      [STORE],
    );
  if (gap) return gap;

  const total = (m: Mode) => r.num(m, RSS) + (r.value(m, STORE) ?? 0) / BYTES_PER_MB;
  const says = (m: Mode) => {
    const store = r.value(m, STORE);
    const parts = store
      ? ` (${num(r.num(m, RSS))} MB RSS + ${num(store / BYTES_PER_MB)} MB in the store)`
      : '';
    return `${m} ${num(total(m))} MB${parts}`;
  };
  const s = STATELESS_MODE;
  const more = stateful.filter((m) => compareBeyond(total(m), total(s), MEMORY_MARGIN) > 0);
  const notMore = stateful.filter((m) => !more.includes(m));
  const per1k = `per 1,000 sessions: ${list([...stateful, s].map(says))}`;
  if (notMore.length === 0) return r.result('holds', `Stateful modes use more memory ${per1k}.`);
  if (more.length === 0)
    return r.result('does not hold', `No stateful mode uses clearly more memory ${per1k}.`);
  return r.result(
    'depends',
    `Stateful uses more memory per client with ${list(more.map((m) => describeMode(r.mode(m))))}, not with ${list(notMore.map((m) => describeMode(r.mode(m))))}, ${per1k}.`,
  );
}

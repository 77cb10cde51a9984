/**
 * C11 — "A hybrid — stateless web servers with a stateful session server — combines
 * scalability and consistency." Derived from the C1, C5, C7, C8 and C9 figures. Each form of
 * the hybrid (`shared`, `hybrid`) is judged against `stateless` for scalability and against the
 * consistency `sticky`-style server state promises:
 * - consistent: loses nothing when an instance dies (C1), revokes within REVOCATION_PROMPT_MS
 *   (C8), keeps every concurrent item and never mixes users (C9);
 * - scalable: load no more skewed after a join and no less gain from N instances than stateless
 *   (C7; the store operations are the session server itself, so they are its price, not a fault);
 * - its price: p50/p99 slower than stateless beyond the latency margin (C5).
 * It holds when a form is both consistent and scalable at no latency price, depends (on that
 * price) when every such form is slower, and does not hold when no form is both.
 */
import type { ClaimResult, Mode, ModeReport } from '../model.js';
import { speedAgainst } from './c05.js';
import { SCALING_METRICS, scalingCosts } from './c07.js';
import { revocationOutcome, revocationWords } from './c08.js';
import { INTEGRITY_METRICS, integrityWords, keepsIntegrity } from './c09.js';
import { list, ms, num } from './format.js';
import { FigureReader } from './reader.js';
import { HYBRID_FORMS, STATELESS_MODE } from './roles.js';
import { ACCEPTABLE_LOSS } from './thresholds.js';

const SESSIONS = 'sessions_lost_after_kill';
const ITEMS = 'cart_items_lost_after_kill';
const DELAY = 'revocation_delay_ms';

/** What keeps `m` from being consistent, in words (empty when nothing does). */
function inconsistencies(r: FigureReader, m: Mode): string[] {
  const out: string[] = [];
  if (r.num(m, SESSIONS) > ACCEPTABLE_LOSS || r.num(m, ITEMS) > ACCEPTABLE_LOSS) {
    out.push(`lost ${num(r.num(m, SESSIONS))} sessions and ${num(r.num(m, ITEMS))} cart items to a kill`);
  }
  const outcome = revocationOutcome(r, m);
  if (outcome === 'never') out.push('kept a revoked credential valid until expiry');
  else if (outcome === 'late') out.push(`revoked late (${revocationWords(r, m)})`);
  else if (outcome === 'unknown') out.push(`revocation ${revocationWords(r, m)}`);
  if (!keepsIntegrity(r, m)) out.push(integrityWords(r, m).replace(`${m} `, ''));
  return out;
}

/** Store operations per request in words; the count is the session server's price, not a verdict input. */
function opsWords(r: FigureReader, m: Mode): string {
  const ops = r.value(m, 'store_ops_per_request');
  return ops === null ? 'store operations not counted' : `${num(ops)} store ops/request`;
}

/** What sticky and stateless each lack, as a contrast sentence (empty when neither can be judged). */
function contrastWith(r: FigureReader): string {
  const needs = [SESSIONS, ITEMS, 'concurrent_items_lost', 'wrong_user_responses', 'scaling_ratio'] as const;
  const parts = r
    .present(['sticky', STATELESS_MODE])
    .filter((m) => r.gaps([m], [...needs, 'load_skew_after_join']).length === 0)
    .map((m) => {
      const lacks = [
        ...inconsistencies(r, m),
        ...(m === STATELESS_MODE
          ? []
          : scalingCosts(r, m)
              .filter((c) => c.kind !== 'sync')
              .map((c) => `showed ${c.words}`)),
      ];
      return lacks.length > 0 ? `${m} ${list(lacks)}` : `${m} lacked neither`;
    });
  return parts.length > 0 ? ` For contrast, ${list(parts)}.` : '';
}

/** The C11 rule. */
export function c11(modes: readonly ModeReport[]): ClaimResult {
  const r = new FigureReader('C11', modes, [
    SESSIONS,
    ITEMS,
    'p50_ms',
    'p99_ms',
    ...SCALING_METRICS,
    DELAY,
    ...INTEGRITY_METRICS,
  ]);
  const forms = r.present(HYBRID_FORMS);
  const absent = r.missingModes(forms.length ? [STATELESS_MODE] : [STATELESS_MODE, ...HYBRID_FORMS]);
  if (absent) return absent;
  const s = STATELESS_MODE;
  const gap =
    r.unavailable([s, ...forms], ['p50_ms', 'p99_ms', 'scaling_ratio', 'load_skew_after_join']) ??
    r.unavailable(forms, [SESSIONS, ITEMS, 'concurrent_items_lost', 'wrong_user_responses']) ??
    r.unavailable(
      forms.filter((m) => revocationOutcome(r, m) === 'unknown'),
      [DELAY],
    );
  if (gap) return gap;

  const judged = forms.map((m) => {
    const speed = speedAgainst(r, s, m);
    return {
      m,
      inconsistent: inconsistencies(r, m),
      unscalable: scalingCosts(r, m)
        .filter((c) => c.kind !== 'sync')
        .map((c) => c.words),
      slower: speed === 'slower',
      cost: `p50 ${ms(r.num(m, 'p50_ms'))} against ${ms(r.num(s, 'p50_ms'))} for stateless, ${opsWords(r, m)}`,
    };
  });
  const contrast = contrastWith(r);
  const both = judged.filter((j) => j.inconsistent.length === 0 && j.unscalable.length === 0);
  const free = both.filter((j) => !j.slower);
  if (free.length > 0) {
    return r.result(
      'holds',
      `${list(free.map((j) => j.m))} kept state through a kill, revoked promptly, kept every concurrent item and scaled like stateless (${list(free.map((j) => `${j.m}: ${j.cost}`))}).${contrast}`,
    );
  }
  if (both.length > 0) {
    return r.result(
      'depends',
      `${list(both.map((j) => j.m))} combine scalability and consistency at a latency price: ${list(both.map((j) => `${j.m} ${j.cost}`))}.${contrast}`,
    );
  }
  const why = (j: (typeof judged)[number]) =>
    `${j.m} ${list([...j.inconsistent, ...j.unscalable.map((u) => `showed ${u}`)])}`;
  return r.result(
    'does not hold',
    `No form of the hybrid was both consistent and scalable: ${list(judged.map(why))}.${contrast}`,
  );
}

/**
 * What a virtual user can do, and the mix that says how often. An action names a user's intent;
 * the user turns it into one request of the app contract (docs/app-contract.md), and may turn
 * it into another when its model says the intent makes no sense yet (a checkout of an empty
 * cart becomes an addition, anything before a login becomes the login).
 */

/** One request's intent. */
export type Action = 'login' | 'me' | 'cart' | 'add' | 'checkout' | 'replay' | 'logout' | 'browse';

/** Every action, in a fixed order (the order of the mix table and of hashes). */
export const ACTIONS: readonly Action[] = [
  'login',
  'me',
  'cart',
  'add',
  'checkout',
  'replay',
  'logout',
  'browse',
];

/** Relative weights of the actions; missing actions weigh 0. */
export type Mix = Partial<Record<Action, number>>;

/**
 * A shop visit: mostly reads, additions, and a checkout now and then, some of them replayed
 * with the same `Idempotency-Key` (what C12 compares). Logins happen on their own: every user
 * logs in first, and again after losing its session. Beside them, anonymous visitors look at
 * the public catalogue (`browse`: what C13 asks a shared cache to keep).
 * @default { me: 35, cart: 25, add: 30, checkout: 7, replay: 3, browse: 20 }
 */
export const DEFAULT_MIX: Readonly<Mix> = Object.freeze({
  me: 35,
  cart: 25,
  add: 30,
  checkout: 7,
  replay: 3,
  browse: 20,
});

/** The mix as cumulative weights, for drawing an action from one uniform number. */
export interface MixTable {
  actions: readonly Action[];
  /** Cumulative shares in (0, 1], the last one exactly 1. */
  cumulative: readonly number[];
}

/** Checks a mix and turns it into a table; throws on negative, non-finite or all-zero weights. */
export function mixTable(mix: Mix): MixTable {
  const actions: Action[] = [];
  const weights: number[] = [];
  for (const key of Object.keys(mix)) {
    if (!(ACTIONS as readonly string[]).includes(key)) throw new RangeError(`unknown action in mix: ${key}`);
  }
  for (const a of ACTIONS) {
    const w = mix[a] ?? 0;
    if (!Number.isFinite(w) || w < 0) throw new RangeError(`mix weight of ${a} must be a finite number >= 0`);
    if (w > 0) {
      actions.push(a);
      weights.push(w);
    }
  }
  const total = weights.reduce((s, w) => s + w, 0);
  if (total === 0) throw new RangeError('the mix needs at least one action with a positive weight');
  let sum = 0;
  const cumulative = weights.map((w) => {
    sum += w;
    return sum / total;
  });
  cumulative[cumulative.length - 1] = 1;
  return { actions, cumulative };
}

/** The action a uniform number in [0, 1) falls on. */
export function pickAction(table: MixTable, u: number): Action {
  const { actions, cumulative } = table;
  for (let i = 0; i < cumulative.length; i++) if (u < cumulative[i]!) return actions[i]!;
  return actions[actions.length - 1]!;
}

/** The mix with zero weights removed and keys in `ACTIONS` order: what a hash sees. */
export function normalizeMix(mix: Mix): Mix {
  const out: Mix = {};
  for (const a of ACTIONS) if ((mix[a] ?? 0) > 0) out[a] = mix[a]!;
  return out;
}

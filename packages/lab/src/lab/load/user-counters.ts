/**
 * What the virtual users find, as counters: the damage a mode does to its users (sessions and
 * cart items lost, answers naming someone else, second orders) and the work they saw done. The
 * generator keeps one set per phase.
 */

/** What the users found, summed per phase. */
export interface UserCounters {
  /** 401 where the model says logged in: the user had to log in again (once per loss). */
  sessionsLost: number;
  /** Confirmed cart items the server no longer had: lost with a session, or to concurrent writes. */
  cartItemsLost: number;
  /** Answers naming a user other than the one logged in. Must be 0. */
  wrongUser: number;
  /** Replays of an `Idempotency-Key` answered with a different order id: a second order. */
  duplicateCheckouts: number;
  /** Logins answered 200. */
  logins: number;
  /** Cart additions answered 200. */
  itemsAdded: number;
  /** Checkouts with a fresh key answered 200. */
  orders: number;
  /** Replays answered 200; `replaysHonored` of them with the kept order. */
  replays: number;
  replaysHonored: number;
  /** `/me` and `/cart` answers compared with the model. */
  cartChecks: number;
  /** Items the model stopped tracking after a checkout whose outcome is unknown (no answer, 5xx). */
  uncertainItems: number;
  /** 200 answers whose body could not be read as the contract says. */
  malformedAnswers: number;
}

/** All counters at zero. */
export function emptyUserCounters(): UserCounters {
  return {
    sessionsLost: 0,
    cartItemsLost: 0,
    wrongUser: 0,
    duplicateCheckouts: 0,
    logins: 0,
    itemsAdded: 0,
    orders: 0,
    replays: 0,
    replaysHonored: 0,
    cartChecks: 0,
    uncertainItems: 0,
    malformedAnswers: 0,
  };
}

/** Adds `b` into `a`. */
export function addUserCounters(a: UserCounters, b: UserCounters): UserCounters {
  for (const k of Object.keys(a) as (keyof UserCounters)[]) a[k] += b[k];
  return a;
}

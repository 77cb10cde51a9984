/**
 * Time comes in through a factory so tests can move it by hand (idle and absolute timeouts,
 * token expiry) instead of sleeping.
 */

/** Whole milliseconds since the Unix epoch (stores keep times as integers). */
export interface Clock {
  now(): number;
}

/** The real clock. */
export const systemClock: Clock = { now: () => Date.now() };

/** A clock that only moves when told to. */
export interface ManualClock extends Clock {
  advance(ms: number): void;
  set(ms: number): void;
}

/**
 * @example
 * const clock = manualClock(Date.UTC(2026, 0, 1))
 * clock.advance(31 * 60_000) // past a 30-minute idle timeout
 */
export function manualClock(start = Date.UTC(2026, 0, 1)): ManualClock {
  let t = start;
  return {
    now: () => t,
    advance(ms) {
      t += ms;
    },
    set(ms) {
      t = ms;
    },
  };
}

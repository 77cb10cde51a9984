/**
 * The seeded arrival schedule of the open model: when each request is meant to start, for which
 * virtual user, with which intent. Planned in full before the run (one seed, one config → the
 * same arrivals, byte for byte), so two runs of a mode replay the same traffic and the report
 * can prove it with `scheduleHash`.
 *
 * Arrivals form a Poisson process (exponential gaps, what independent users produce) or are
 * evenly spaced; a ramp raises the rate linearly at the start. A varying rate is handled by
 * drawing unit-rate arrivals and mapping them through the inverse of the cumulative rate
 * Λ(t) = ∫ rate — exact for both spacings, with no thinning loop.
 */
import { createHash } from 'node:crypto';
import { type Action, DEFAULT_MIX, type Mix, mixTable, normalizeMix, pickAction } from './actions.js';
import { updateJson } from './hash.js';
import { xoshiro128 } from './prng.js';

/** A linear ramp from `fromRate` up (or down) to the schedule's rate. */
export interface Ramp {
  durationMs: number;
  /** @default 0 */
  fromRate?: number;
}

export interface ScheduleOptions {
  seed: number;
  /** Arrivals per second once any ramp is over. */
  rate: number;
  durationMs: number;
  /** Virtual users the arrivals are spread over (uniformly at random), numbered 0…users-1. */
  users: number;
  ramp?: Ramp | null;
  /** @default DEFAULT_MIX */
  mix?: Mix;
  /** `poisson`: exponential gaps; `constant`: one arrival every 1/rate s. @default 'poisson' */
  spacing?: 'poisson' | 'constant';
}

/** The options as planned: defaults filled in, so that the hash covers them. */
export interface ScheduleConfig {
  seed: number;
  rate: number;
  durationMs: number;
  users: number;
  ramp: { durationMs: number; fromRate: number } | null;
  mix: Mix;
  spacing: 'poisson' | 'constant';
}

/** One planned request. */
export interface Arrival {
  /** Intended start, milliseconds from the start of the run (microsecond precision). */
  atMs: number;
  user: number;
  action: Action;
}

export interface Schedule {
  config: ScheduleConfig;
  /** In order of `atMs`. */
  arrivals: Arrival[];
}

/** A plan larger than this is a mistake (a rate typed in ms, a duration in µs), not a load test. */
const MAX_ARRIVALS = 20_000_000;

function check(name: string, value: number, min: number, integer = false): void {
  if (!Number.isFinite(value) || value < min || (integer && !Number.isInteger(value))) {
    throw new RangeError(
      `${name} must be ${integer ? 'an integer' : 'a finite number'} >= ${min}, got ${value}`,
    );
  }
}

/**
 * Plans every arrival of a run.
 * @example
 * const plan = planSchedule({ seed: 7, rate: 200, durationMs: 60_000, users: 500 });
 * plan.arrivals[0]; // { atMs: 3.114, user: 211, action: 'me' }
 */
export function planSchedule(options: ScheduleOptions): Schedule {
  const config: ScheduleConfig = {
    seed: options.seed,
    rate: options.rate,
    durationMs: options.durationMs,
    users: options.users,
    ramp: options.ramp ? { durationMs: options.ramp.durationMs, fromRate: options.ramp.fromRate ?? 0 } : null,
    mix: normalizeMix(options.mix ?? DEFAULT_MIX),
    spacing: options.spacing ?? 'poisson',
  };
  check('rate', config.rate, Number.MIN_VALUE);
  check('durationMs', config.durationMs, 0);
  check('users', config.users, 1, true);
  if (config.ramp) {
    check('ramp.durationMs', config.ramp.durationMs, 0);
    check('ramp.fromRate', config.ramp.fromRate, 0);
  }
  if (config.spacing !== 'poisson' && config.spacing !== 'constant') {
    throw new RangeError(`spacing must be 'poisson' or 'constant', got ${String(config.spacing)}`);
  }
  const expected = config.rate * (config.durationMs / 1000);
  if (expected > MAX_ARRIVALS) throw new RangeError(`the plan would hold ~${Math.round(expected)} arrivals`);

  const table = mixTable(config.mix);
  const random = xoshiro128(config.seed);
  const inverse = inverseIntensity(config);
  const arrivals: Arrival[] = [];
  // s walks the unit-rate timeline; each unit of s is one expected arrival.
  let s = config.spacing === 'poisson' ? random.exponential(1) : 0;
  for (;;) {
    const atMs = Math.round(inverse(s) * 1000) / 1000;
    if (atMs >= config.durationMs) break;
    // Always two draws per arrival, in this order: the stream stays aligned across configs.
    const user = random.int(config.users);
    const action = pickAction(table, random.next());
    arrivals.push({ atMs, user, action });
    s += config.spacing === 'poisson' ? random.exponential(1) : 1;
  }
  return { config, arrivals };
}

/** t(s): the time at which the cumulative rate reaches s (rates per millisecond). */
function inverseIntensity(config: ScheduleConfig): (s: number) => number {
  const r1 = config.rate / 1000;
  const ramp = config.ramp;
  if (!ramp || ramp.durationMs === 0) return (s) => s / r1;
  const T = ramp.durationMs;
  const r0 = ramp.fromRate / 1000;
  const a = (r1 - r0) / (2 * T); // Λ(t) = a t² + r0 t on [0, T]
  const sT = ((r0 + r1) / 2) * T;
  return (s) => {
    if (s >= sT) return T + (s - sT) / r1;
    // Root of a t² + r0 t - s = 0 in the form that stays accurate when a is near 0.
    return (2 * s) / (r0 + Math.sqrt(r0 * r0 + 4 * a * s));
  };
}

/**
 * SHA-256 (hex) of a schedule's canonical form: a version tag, the config as canonical JSON,
 * one `atMs,user,action` line per arrival, then the canonical JSON of `extra` — the fault plan,
 * or anything else the run replays — so one hash proves the whole plan.
 * @example
 * scheduleHash(planSchedule(opts), faultPlan) === scheduleHash(planSchedule(opts), faultPlan); // true
 */
export function scheduleHash(plan: Schedule, extra: unknown = null): string {
  const hash = createHash('sha256');
  hash.update('statecraft-schedule v1\n');
  updateJson(hash, plan.config);
  // Lines go in by the thousand: one update per arrival would cost more than the hashing.
  let chunk = '';
  for (let i = 0; i < plan.arrivals.length; i++) {
    const a = plan.arrivals[i]!;
    chunk += `${a.atMs},${a.user},${a.action}\n`;
    if ((i & 1023) === 1023) {
      hash.update(chunk);
      chunk = '';
    }
  }
  hash.update(chunk);
  hash.update('--\n');
  updateJson(hash, extra);
  return hash.digest('hex');
}

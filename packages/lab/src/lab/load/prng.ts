/**
 * A small, fast, seeded pseudo-random generator: xoshiro128** (Blackman & Vigna, 2018) with its
 * 128-bit state filled from one number by splitmix32. Same seed, same sequence, on every
 * platform: only 32-bit integer arithmetic (`Math.imul`, shifts), no floating-point in the
 * state. Not for secrets; for schedules that must replay exactly.
 */

/** A stream of numbers drawn from one seed. */
export interface Random {
  /** A 32-bit unsigned integer. */
  nextU32(): number;
  /** A number in [0, 1) with 32 bits of randomness. */
  next(): number;
  /** An integer in [0, n). */
  int(n: number): number;
  /** An exponential variate with the given mean (inverse transform of `next()`). */
  exponential(mean: number): number;
}

/** splitmix32: spreads one seed over the four state words, so nearby seeds give unrelated streams. */
function splitmix32(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x9e3779b9) >>> 0;
    let z = s;
    z = Math.imul(z ^ (z >>> 16), 0x85ebca6b);
    z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35);
    return (z ^ (z >>> 16)) >>> 0;
  };
}

/**
 * Folds any finite number (negative, fractional, above 2^32) into a 32-bit seed, so that
 * `seed: 1.5` and `seed: 2 ** 40 + 1` are accepted and still differ from `1` and `2`.
 */
export function seed32(seed: number): number {
  if (!Number.isFinite(seed)) throw new RangeError(`seed must be a finite number, got ${seed}`);
  if (Number.isInteger(seed) && seed >= 0 && seed <= 0xffffffff) return seed >>> 0;
  const text = String(seed);
  let h = 0x811c9dc5; // FNV-1a over the number's decimal text
  for (let i = 0; i < text.length; i++) h = Math.imul(h ^ text.charCodeAt(i), 0x01000193);
  return h >>> 0;
}

/**
 * xoshiro128** seeded by one number.
 * @example
 * const r = xoshiro128(42);
 * r.next(); // 0 <= x < 1, the same on every run
 */
export function xoshiro128(seed: number, stream = 0): Random {
  const sm = splitmix32(seed32(seed) ^ Math.imul(stream >>> 0, 0x9e3779b1));
  let a = sm();
  let b = sm();
  let c = sm();
  let d = sm();
  if ((a | b | c | d) === 0) a = 1; // the all-zero state is a fixed point

  const nextU32 = (): number => {
    const r = Math.imul(rotl(Math.imul(b, 5), 7), 9) >>> 0;
    const t = b << 9;
    c ^= a;
    d ^= b;
    b ^= c;
    a ^= d;
    c ^= t;
    d = rotl(d, 11);
    return r;
  };
  const next = (): number => nextU32() / 4294967296;
  return {
    nextU32,
    next,
    int: (n) => Math.floor(next() * n),
    // 1 - u is in (0, 1], so the logarithm is finite.
    exponential: (mean) => -Math.log(1 - next()) * mean,
  };
}

function rotl(x: number, k: number): number {
  return (x << k) | (x >>> (32 - k));
}

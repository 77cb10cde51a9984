/**
 * The thresholds behind every verdict, in one place. A rule never compares two figures bare:
 * "faster", "more", "fewer" mean a difference beyond what the measurement itself wobbles by,
 * and each margin below says how large that is and why.
 */

/**
 * A difference counts only when it exceeds both parts: `absolute` (the measurement's
 * resolution) and `relative` × the larger value (its run-to-run noise).
 */
export interface Margin {
  relative: number;
  absolute: number;
}

/**
 * Sessions or cart items lost that still count as "none lost": zero. Each one is tracked by
 * id, so a loss is never noise, and the house rule is that nothing acknowledged is lost.
 */
export const ACCEPTABLE_LOSS = 0;

/**
 * Latency (C5, C11). On loopback on a shared two-core machine, the same scenario's p50 moves by
 * up to ~10% between runs (scheduler and GC), and the histogram resolves to ~0.1 ms at these
 * values: a mode is faster only when it is lower by more than both.
 */
export const LATENCY_MARGIN: Margin = { relative: 0.1, absolute: 0.1 };

/**
 * Failed requests (C2, C10). How many requests a kill catches in flight depends on where in its
 * health-check interval the kill lands: a few requests either way, up to a quarter of the count.
 */
export const FAILURE_MARGIN: Margin = { relative: 0.25, absolute: 5 };

/**
 * Failures after the kill phase that are still blamed on the crash itself (C2): the kill phase
 * ends when the balancer marks the instance down, which the orchestrator knows to within one
 * health-check interval, so a couple of requests sent at the boundary may land after it.
 */
export const STRAY_FAILURES_AFTER_KILL = 2;

/**
 * Memory per 1,000 sessions (C3). RSS moves by a few hundred KB between samples as the GC and
 * the allocator return pages; 0.5 MB and 20% are above that wobble.
 */
export const MEMORY_MARGIN: Margin = { relative: 0.2, absolute: 0.5 };

/**
 * Bytes per request (C4). Header sizes vary by a few bytes between requests (paths, ids,
 * content-length digits); 16 bytes and 5% are beyond that, well below a token's size.
 */
export const BYTES_MARGIN: Margin = { relative: 0.05, absolute: 16 };

/**
 * Share of round-robin requests that lose their session (C6). Up to 0.1% is negligible (a
 * request racing a logout or an expiry); from 1% on, losing sessions is the behaviour, not an
 * accident. Between the two, the run cannot tell.
 */
export const SESSION_LOSS_NEGLIGIBLE = 0.001;
export const SESSION_LOSS_SIGNIFICANT = 0.01;

/**
 * Scaling ratio N-instance/1-instance throughput (C7, C11). Two saturation probes of the same
 * mode differ by up to ~10%; 0.05 is the ratio's resolution at the lab's request counts.
 */
export const SCALING_MARGIN: Margin = { relative: 0.1, absolute: 0.05 };

/**
 * The least gain from N instances that shows the machine can scale at all (C7, C11): ×1.1. When
 * neither of two modes gains that much, the generator and the instances are already sharing busy
 * cores, and their ratios measure CPU contention, not architecture, so they are not compared.
 */
export const MIN_SCALING_GAIN = 1.1;

/**
 * Store operations per request that still mean "no session sync" (C7): background work such as
 * expiry pruning amounts to well under one operation in twenty requests.
 */
export const STORE_OPS_NEGLIGIBLE = 0.05;

/**
 * Load skew after an instance joins (C7, C11). Round-robin over a pool that just grew is off by
 * a few percent while health checks admit the new instance; 0.2 (a fifth of a fair share) is
 * beyond that.
 */
export const SKEW_MARGIN: Margin = { relative: 0.25, absolute: 0.2 };

/**
 * Revocation that counts as central control (C8, C11): refused on every instance within one
 * second. A store lookup refuses the credential on the very next request, so a longer delay
 * comes from caching or token lifetime, not from how often the probe asks.
 */
export const REVOCATION_PROMPT_MS = 1000;

/**
 * Share of GET responses a shared cache may keep (C13). The share follows the mix of requests
 * the seeded schedule drew, which differs a little between the run and the eager-session probe
 * (a few hundred GETs each): two points or a tenth of the share is beyond that.
 */
export const CACHE_SHARE_MARGIN: Margin = { relative: 0.1, absolute: 0.02 };

/**
 * How `a` compares with `b` beyond `margin`: 1 when clearly larger, -1 when clearly smaller,
 * 0 when the difference is within the noise.
 *
 * @example
 * compareBeyond(1.0, 1.5, LATENCY_MARGIN) // -1: 1.0 ms is clearly lower than 1.5 ms
 */
export function compareBeyond(a: number, b: number, margin: Margin): -1 | 0 | 1 {
  const noise = Math.max(margin.absolute, margin.relative * Math.max(Math.abs(a), Math.abs(b)));
  if (a - b > noise) return 1;
  if (b - a > noise) return -1;
  return 0;
}

/**
 * Least connections: the backend with the fewest requests in flight (nginx `least_conn`,
 * HAProxy `leastconn`). Ties go round-robin, so idle backends share the load instead of the
 * first one taking everything at low concurrency.
 */
import type { Candidate, PickInput, Policy } from './types.js';

export function leastConn(): Policy {
  let turn = 0;
  return {
    name: 'least-conn',
    pick<C extends Candidate>(_input: PickInput, pool: readonly C[]): C | undefined {
      const n = pool.length;
      if (n === 0) return undefined;
      turn = (turn + 1) % 0x7fffffff;
      let best: C | undefined;
      for (let k = 0; k < n; k++) {
        const c = pool[(turn + k) % n]!;
        if (best === undefined || c.inFlight < best.inFlight) best = c;
      }
      return best;
    },
  };
}

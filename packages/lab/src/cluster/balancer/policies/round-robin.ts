/**
 * Round-robin: each backend in turn. The turn counter is kept across changes of the pool, so
 * an ejection shifts the order but never sends two requests in a row to one backend while
 * others are healthy.
 */
import type { Candidate, PickInput, Policy } from './types.js';

export function roundRobin(): Policy {
  let turn = 0;
  return {
    name: 'round-robin',
    pick<C extends Candidate>(_input: PickInput, pool: readonly C[]): C | undefined {
      if (pool.length === 0) return undefined;
      turn = (turn + 1) % 0x7fffffff;
      return pool[turn % pool.length];
    },
  };
}

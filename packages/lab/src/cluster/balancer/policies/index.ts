/**
 * The balancing policies by name, and the policy each mode uses: `sticky` needs affinity (its
 * sessions live in one instance's memory), the others work with plain round-robin.
 */
import type { Mode } from '../../../app/modes.js';
import { consistentHash } from './consistent-hash.js';
import { leastConn } from './least-conn.js';
import { roundRobin } from './round-robin.js';
import { stickyCookie } from './sticky-cookie.js';
import { POLICIES, type Policy, type PolicyName } from './types.js';

export type { ConsistentHashOptions } from './consistent-hash.js';
export { consistentHash, hash32 } from './consistent-hash.js';
export { leastConn } from './least-conn.js';
export { roundRobin } from './round-robin.js';
export type { StickyOptions } from './sticky-cookie.js';
export { stickyCookie } from './sticky-cookie.js';
export type { Candidate, PickInput, Policy, PolicyName } from './types.js';
export { cookieValue, POLICIES } from './types.js';

/** A new policy by name. */
export function policy(name: PolicyName): Policy {
  switch (name) {
    case 'round-robin':
      return roundRobin();
    case 'least-conn':
      return leastConn();
    case 'sticky-cookie':
      return stickyCookie();
    case 'consistent-hash':
      return consistentHash();
  }
}

/** Whether `name` is a policy name. */
export function isPolicyName(name: string): name is PolicyName {
  return (POLICIES as readonly string[]).includes(name);
}

/** The policy a mode runs behind: sticky-cookie for `sticky`, round-robin for the others. */
export function policyForMode(mode: Mode): PolicyName {
  return mode === 'sticky' ? 'sticky-cookie' : 'round-robin';
}

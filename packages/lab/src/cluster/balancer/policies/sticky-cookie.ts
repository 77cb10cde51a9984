/**
 * Sticky sessions by cookie, as nginx (`sticky cookie`) and HAProxy (`cookie … insert`) do it:
 * the balancer, not the app, sets its own affinity cookie `sc_lb=<instance id>` on the first
 * response, and sends every later request carrying it to that instance. When that instance is
 * gone from the pool (dead, draining, ejected), another is picked and the cookie re-set: the
 * client moves, and whatever lived in the old instance's memory stays behind.
 */
import { roundRobin } from './round-robin.js';
import { type Candidate, cookieValue, type PickInput, type Policy } from './types.js';

export interface StickyOptions {
  /** @default 'sc_lb' */
  cookie?: string;
  /** Picks for requests without a (live) affinity. @default round-robin */
  fallback?: Policy;
}

/** Instance ids are short tokens; anything else in the cookie is ignored, never reflected. */
const ID = /^[A-Za-z0-9_-]{1,64}$/;

export function stickyCookie(o: StickyOptions = {}): Policy {
  const name = o.cookie ?? 'sc_lb';
  const fallback = o.fallback ?? roundRobin();
  return {
    name: 'sticky-cookie',
    pick<C extends Candidate>(input: PickInput, pool: readonly C[]): C | undefined {
      const want = cookieValue(input.cookie, name);
      if (want !== undefined) {
        for (const c of pool) if (c.id === want) return c;
      }
      return fallback.pick(input, pool);
    },
    affinity(input, chosen) {
      if (cookieValue(input.cookie, name) === chosen.id || !ID.test(chosen.id)) return null;
      // A session cookie (no Max-Age): affinity ends with the browser session, like nginx's.
      return `${name}=${chosen.id}; Path=/; HttpOnly; SameSite=Lax`;
    },
  };
}

/**
 * Consistent hashing (Karger et al. 1997; nginx `hash … consistent`, HAProxy `hash-type
 * consistent`): each backend owns many points on a 32-bit ring, a request goes to the owner of
 * the first point at or after the hash of its key. Removing one of N backends moves only the
 * keys it owned (about 1/N); adding one takes about 1/(N+1) from the others.
 *
 * The key is a cookie (the session cookie by default) or, without it, the client's address.
 */
import { type Candidate, cookieValue, type PickInput, type Policy } from './types.js';

export interface ConsistentHashOptions {
  /** The cookie whose value is the key; requests without it hash on the client address. @default 'sid' */
  cookie?: string | null;
  /** Points per backend on the ring: more points, more even shares. @default 160 */
  points?: number;
}

/** FNV-1a over UTF-16 code units, then MurmurHash3's finaliser to spread nearby inputs. */
export function hash32(s: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) {
    h ^= s.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

interface Ring {
  hashes: Uint32Array;
  owners: string[];
}

function buildRing(ids: readonly string[], points: number): Ring {
  const entries: Array<[number, string]> = [];
  for (const id of ids) for (let p = 0; p < points; p++) entries.push([hash32(`${id}#${p}`), id]);
  // Ties (rare) are broken by id, so the ring does not depend on the pool's order.
  entries.sort((a, b) => a[0] - b[0] || (a[1] < b[1] ? -1 : 1));
  return { hashes: Uint32Array.from(entries, (e) => e[0]), owners: entries.map((e) => e[1]) };
}

function owner(ring: Ring, h: number): string {
  const { hashes } = ring;
  let lo = 0;
  let hi = hashes.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (hashes[mid]! < h) lo = mid + 1;
    else hi = mid;
  }
  return ring.owners[lo === hashes.length ? 0 : lo]!;
}

export function consistentHash(o: ConsistentHashOptions = {}): Policy {
  const cookie = o.cookie === undefined ? 'sid' : o.cookie;
  const points = o.points ?? 160;
  // Rings by pool membership: the healthy pool, and the pool minus a failed backend on retry.
  const rings = new Map<string, Ring>();
  return {
    name: 'consistent-hash',
    pick<C extends Candidate>(input: PickInput, pool: readonly C[]): C | undefined {
      if (pool.length === 0) return undefined;
      if (pool.length === 1) return pool[0];
      const ids = pool.map((c) => c.id).sort();
      const sig = ids.join(',');
      let ring = rings.get(sig);
      if (ring === undefined) {
        if (rings.size >= 16) rings.clear();
        ring = buildRing(ids, points);
        rings.set(sig, ring);
      }
      const key = (cookie !== null ? cookieValue(input.cookie, cookie) : undefined) ?? input.address;
      const id = owner(ring, hash32(key));
      return pool.find((c) => c.id === id);
    },
  };
}

/**
 * Refresh rotation for the hybrid strategy. Each refresh moves the session to a new id and
 * leaves a tombstone under the old one. The tombstone names its successor, sealed with a key
 * derived from the old id (AES-256-GCM under HKDF-SHA256), so only a holder of the old
 * credential can follow it and the store still holds no usable id.
 *
 * Within the grace window, every request that still presents the old credential (parallel
 * requests that raced the refresh) is moved to the same successor: nobody is logged out. After
 * it, the old credential presented again means two parties hold the session (a stolen cookie):
 * the whole chain is ended and the reuse is reported (OAuth 2.0 Security BCP, RFC 9700 §4.14.2).
 */
import { createCipheriv, createDecipheriv, hkdfSync } from 'node:crypto';
import type { Random } from '../platform/random.js';
import { isWellFormedId, storeKey } from '../session/id.js';
import type { SessionRecord, Store } from '../stores/types.js';

/** Schema value that marks a tombstone record (never a codec schema). */
export const TOMBSTONE = -1;

function keyFor(oldId: string): Buffer {
  return Buffer.from(hkdfSync('sha256', oldId, 'statecraft', 'statecraft successor v1', 32));
}

/** `successorId` sealed so that only a holder of `oldId` can read it. */
export function sealSuccessor(successorId: string, oldId: string, random: Random): string {
  const iv = random.bytes(12);
  const c = createCipheriv('aes-256-gcm', keyFor(oldId), iv);
  const body = Buffer.concat([c.update(successorId, 'utf8'), c.final()]);
  return Buffer.concat([iv, body, c.getAuthTag()]).toString('base64url');
}

/** The successor id, or null when `sealed` was not made for `oldId`. */
export function openSuccessor(sealed: string, oldId: string): string | null {
  try {
    const raw = Buffer.from(sealed, 'base64url');
    const d = createDecipheriv('aes-256-gcm', keyFor(oldId), raw.subarray(0, 12));
    d.setAuthTag(raw.subarray(raw.length - 16));
    const id = Buffer.concat([d.update(raw.subarray(12, raw.length - 16)), d.final()]).toString('utf8');
    return isWellFormedId(id) ? id : null;
  } catch {
    return null;
  }
}

/** The tombstone that replaces `r` once the session moved to `successorId` at `now`. */
export function tombstone(
  r: SessionRecord,
  oldId: string,
  successorId: string,
  now: number,
  random: Random,
): SessionRecord {
  return {
    ...r,
    // No user: the tombstone leaves the user's index, so list() shows only the live session.
    userId: null,
    data: sealSuccessor(successorId, oldId, random),
    schema: TOMBSTONE,
    version: r.version + 1,
    // createdAt of a tombstone is its rotation time: the grace window runs from it.
    createdAt: now,
    lastSeenAt: now,
  };
}

/**
 * Deletes `id`'s record and every successor it leads to; resolves the handles of the live
 * sessions it ended (at most one in a well-formed chain).
 */
export async function endChain(store: Store, id: string): Promise<string[]> {
  const ended: string[] = [];
  let current: string | null = id;
  for (let hops = 0; current !== null && hops < 64; hops++) {
    const key = storeKey(current);
    const r = await store.get(key);
    await store.delete(key);
    if (r === null) break;
    if (r.schema !== TOMBSTONE) {
      ended.push(key);
      break;
    }
    current = openSuccessor(r.data, current);
  }
  return ended;
}

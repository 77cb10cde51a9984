/**
 * Randomness comes in through a factory so tests can make ids predictable. Production uses the
 * operating system's CSPRNG (OWASP Session Management: ids from a cryptographically secure
 * generator).
 */
import { randomFillSync } from 'node:crypto';

export interface Random {
  /** `n` uniformly random bytes. */
  bytes(n: number): Uint8Array;
}

// Refill a pool instead of calling into the CSPRNG for every 32-byte id: one syscall-backed
// fill serves 128 ids.
const POOL_SIZE = 4096;
let pool = Buffer.allocUnsafe(0);
let offset = 0;

/** The CSPRNG (`crypto.randomFillSync`), pooled. */
export const systemRandom: Random = {
  bytes(n) {
    if (n > POOL_SIZE) return randomFillSync(Buffer.allocUnsafe(n));
    if (offset + n > pool.length) {
      pool = randomFillSync(Buffer.allocUnsafe(POOL_SIZE));
      offset = 0;
    }
    const out = Buffer.from(pool.subarray(offset, offset + n));
    // Never hand out the same bytes twice.
    pool.fill(0, offset, offset + n);
    offset += n;
    return out;
  },
};

/**
 * Token keys derived from the one secret every instance of a run shares (`STATECRAFT_SECRET`).
 *
 * HKDF (RFC 5869) with SHA-256 expands the 32-byte secret into one key per use, each under its
 * own `info` string, so the HS256 key of `hybrid` and the A256GCM key of `stateless` are
 * independent: knowing one says nothing about the other (RFC 5869 §3.2, "info" binds a key to
 * its context), and a token of one mode can never verify in the other. The secret is uniformly
 * random already, so no salt is needed (RFC 5869 §3.1).
 */
import { hkdfSync } from 'node:crypto';
import type { KeySpec } from 'statecraft';

/** `info` strings: one per key use. Changing one invalidates every token issued under it. */
export const KEY_INFO = {
  hybridJws: 'statecraft-lab hybrid jws HS256 v1',
  statelessJwe: 'statecraft-lab stateless jwe dir+A256GCM v1',
} as const;

/** Bytes of the shared secret and of each derived key. */
export const SECRET_BYTES = 32;

export interface DerivedKeys {
  /** HS256 signing key of the `hybrid` mode's access tokens (format `jws`). */
  signing: KeySpec[];
  /** dir + A256GCM key of the `stateless` mode's sealed tokens (format `jwe`). */
  sealing: KeySpec[];
}

function derive(secret: Uint8Array, info: string): Buffer {
  return Buffer.from(hkdfSync('sha256', secret, new Uint8Array(0), info, SECRET_BYTES));
}

/**
 * Every instance given the same secret derives the same keys; different `info` strings give
 * unrelated keys.
 *
 * @example
 * const { signing, sealing } = deriveKeys(Buffer.from(process.env.STATECRAFT_SECRET!, 'hex'))
 * hybrid({ store, keys: signing, format: 'jws' })
 * stateless({ keys: sealing, format: 'jwe' })
 */
export function deriveKeys(secret: Uint8Array): DerivedKeys {
  if (secret.length !== SECRET_BYTES) {
    throw new RangeError(`the shared secret must be ${SECRET_BYTES} bytes, got ${secret.length}`);
  }
  return {
    signing: [{ kid: 'lab-h1', alg: 'HS256', secret: derive(secret, KEY_INFO.hybridJws) }],
    sealing: [{ kid: 'lab-s1', alg: 'dir', enc: 'A256GCM', secret: derive(secret, KEY_INFO.statelessJwe) }],
  };
}

/**
 * A bounded memory of sealed tokens this process has already opened, so that a token seen again
 * (the same cookie on a client's next request) is not decrypted again.
 *
 * - Looked up by the SHA-256 of the whole token, never by the token itself: a lookup compares
 *   digests the sender cannot steer, so its timing says nothing about the tokens remembered.
 *   A hit means these exact bytes authenticated before (SHA-256 is collision resistant).
 * - Only what authenticated goes in, with the key that opened it; a hit counts only while the
 *   keyring checking it still holds that very key, so a key removed from the ring (a new ring)
 *   retires its remembered tokens with it.
 * - The plaintext is kept as the JSON text and parsed again on every hit: each request gets
 *   objects of its own, and every time-dependent check (`exp`, `nbf`, `iat`) runs again.
 * - First in, first out once full: a flood of fresh tokens costs a bounded amount of memory.
 */
import { hash } from 'node:crypto';
import { SessionError } from '../session/errors.js';
import type { KeyEntry } from './keyring.js';
import type { ProtectedHeader } from './types.js';

export interface OpenedEntry {
  readonly entry: KeyEntry;
  readonly header: Readonly<ProtectedHeader>;
  readonly typ: string | undefined;
  /** The plaintext, checked UTF-8, as text. */
  readonly json: string;
}

let mapOf: (cache: Memory) => Map<string, OpenedEntry>;

/** See {@link createTokenCache}. */
export interface TokenCache {
  /** How many tokens it holds now. */
  readonly size: number;
  /** The most it holds. */
  readonly capacity: number;
  clear(): void;
}

class Memory implements TokenCache {
  readonly #map = new Map<string, OpenedEntry>();

  static {
    mapOf = (cache) => cache.#map;
  }

  constructor(readonly capacity: number) {}

  get size(): number {
    return this.#map.size;
  }

  clear(): void {
    this.#map.clear();
  }
}

/**
 * A memory of `capacity` opened tokens for {@link openToken} (option `cache`). The stateless
 * and hybrid strategies make one of 1,000 for their sealed tokens.
 *
 * @example
 * const cache = createTokenCache(1000)
 * openToken(token, keyring, { cache }) // decrypts, and remembers
 * openToken(token, keyring, { cache }) // does not decrypt again
 */
export function createTokenCache(capacity: number): TokenCache {
  if (!(Number.isSafeInteger(capacity) && capacity > 0)) {
    throw new SessionError('INVALID_CONFIG', 'A token cache holds a positive whole number of tokens');
  }
  return new Memory(capacity);
}

/** Whether `value` came from {@link createTokenCache}. */
export function isTokenCache(value: unknown): value is TokenCache {
  return value instanceof Memory;
}

/** The digest a token is remembered by. */
export function tokenDigest(token: string): string {
  return hash('sha256', token, 'base64');
}

/** What `cache` remembers of the token with `digest`, if the ring checking it still holds its key. */
export function recall(
  cache: TokenCache,
  digest: string,
  byKid: ReadonlyMap<string, KeyEntry>,
): OpenedEntry | undefined {
  const seen = mapOf(cache as Memory).get(digest);
  // A ring without that very key (rotated out, or another ring) opens nothing it sealed.
  return seen !== undefined && byKid.get(seen.entry.kid) === seen.entry ? seen : undefined;
}

export function remember(cache: TokenCache, digest: string, opened: OpenedEntry): void {
  const map = mapOf(cache as Memory);
  if (map.size >= cache.capacity && !map.has(digest)) {
    map.delete(map.keys().next().value as string);
  }
  map.set(digest, opened);
}

/**
 * The keyring: every key the engine may sign, verify, seal or open with, newest first.
 *
 * Each key is bound to exactly one algorithm (RFC 8725 §3.1: the key, never the token, decides
 * the algorithm). Issuing uses the newest key of the needed algorithm; checking looks the key up
 * by `kid` among the keys still listed, so removing a key from the ring retires every token
 * made with it. All key material is parsed into `KeyObject`s here, once, at start-up, and is
 * reachable only through a private field: it never shows in `toString`, `inspect` or JSON.
 */
import {
  createPrivateKey,
  createPublicKey,
  createSecretKey,
  KeyObject,
  sign,
  timingSafeEqual,
  verify,
} from 'node:crypto';
import { SessionError } from '../session/errors.js';
import { type CachedHeader, primeHeaders } from './header.js';
import { type HmacKey, hmacKey } from './hmac.js';
import type { JweAlg, JwsAlg } from './types.js';

/** A shared secret for HMAC SHA-256 (RFC 7518 §3.2): at least 32 bytes. */
export interface HmacKeySpec {
  kid: string;
  alg: 'HS256';
  /** Bytes, or a string taken as UTF-8. */
  secret: Uint8Array | string;
}

/** An Ed25519 key pair (RFC 8037 §3.1). Without `privateKey` the key only verifies. */
export interface EdDsaKeySpec {
  kid: string;
  alg: 'EdDSA';
  privateKey?: KeyObject | string;
  /** A `KeyObject` or a PEM string (SPKI). */
  publicKey: KeyObject | string;
}

/** A 256-bit content encryption key used directly (RFC 7518 §4.5) with AES-256-GCM (§5.3). */
export interface DirKeySpec {
  kid: string;
  alg: 'dir';
  enc: 'A256GCM';
  /** Exactly 32 bytes, or a string whose UTF-8 encoding is. */
  secret: Uint8Array | string;
}

export type KeySpec = HmacKeySpec | EdDsaKeySpec | DirKeySpec;

export type KeyAlg = JwsAlg | JweAlg;

/** A key as the engine uses it. */
export interface KeyEntry {
  readonly kid: string;
  readonly alg: KeyAlg;
  /** The secret (HS256, dir) or the public key (EdDSA). */
  readonly key: KeyObject;
  /** The Ed25519 private key, when this ring signs with it. */
  readonly privateKey: KeyObject | undefined;
  /** HS256 only: the key with its HMAC padded blocks precomputed. */
  readonly hmac: HmacKey | undefined;
  /** Headers issued with this key, by `typ`. */
  readonly headers: Map<string, CachedHeader>;
}

export interface KeyringState {
  /** Newest first. */
  readonly keys: readonly KeyEntry[];
  readonly byKid: ReadonlyMap<string, KeyEntry>;
  /** Keys of each algorithm, newest first: a token without `kid` needs exactly one. */
  readonly byAlg: ReadonlyMap<string, readonly KeyEntry[]>;
  /** The key each algorithm issues with: its newest key able to issue (or just its newest). */
  readonly current: ReadonlyMap<string, KeyEntry>;
  /** The newest key able to sign a JWS. */
  readonly signer: KeyEntry | undefined;
  /** Every header this ring issues, by its encoded form: lets checking skip parsing them. */
  readonly headers: Map<string, CachedHeader>;
  /** The `typ` values `headers` holds. */
  readonly typs: Set<string>;
}

/** Keys for the token engine; see {@link createKeyring}. */
export interface Keyring {
  /** Key ids, newest first. */
  readonly kids: readonly string[];
  /** The id of the key tokens of `alg` are issued with, if the ring has one. */
  current(alg: KeyAlg): string | undefined;
  /** Ids and algorithms only. */
  toJSON(): { keys: { kid: string; alg: KeyAlg }[] };
  toString(): string;
}

const INSPECT = Symbol.for('nodejs.util.inspect.custom');

let stateOf: (ring: Ring) => KeyringState;

class Ring implements Keyring {
  readonly #state: KeyringState;
  readonly kids: readonly string[];

  static {
    stateOf = (ring) => ring.#state;
  }

  constructor(state: KeyringState) {
    this.#state = state;
    this.kids = Object.freeze(state.keys.map((k) => k.kid));
    Object.freeze(this);
  }

  current(alg: KeyAlg): string | undefined {
    return this.#state.current.get(alg)?.kid;
  }

  toJSON(): { keys: { kid: string; alg: KeyAlg }[] } {
    return { keys: this.#state.keys.map(({ kid, alg }) => ({ kid, alg })) };
  }

  toString(): string {
    return `Keyring(${this.#state.keys.map((k) => `${k.kid}:${k.alg}`).join(', ')})`;
  }

  [INSPECT](): string {
    return this.toString();
  }
}

/** The engine's view of a keyring; anything that is not one is a configuration error. */
export function keyringState(ring: Keyring): KeyringState {
  if (!(ring instanceof Ring)) throw new SessionError('INVALID_CONFIG', 'Not a keyring');
  return stateOf(ring);
}

/**
 * Builds a keyring. Keys are listed newest first. Every problem (short or wrong-size secret,
 * non-Ed25519 key, mismatched key pair, duplicate `kid`, a secret used twice) is a
 * `TOKEN_KEY_INVALID` thrown here, at start-up, never while serving requests.
 *
 * @example
 * const keyring = createKeyring([
 *   { kid: '2026-02', alg: 'HS256', secret: process.env.TOKEN_SECRET_2026_02! },
 *   { kid: '2026-01', alg: 'HS256', secret: process.env.TOKEN_SECRET_2026_01! }, // still verifies
 *   { kid: 'seal-1', alg: 'dir', enc: 'A256GCM', secret: randomBytes(32) },
 * ])
 */
export function createKeyring(keys: readonly KeySpec[]): Keyring {
  if (!Array.isArray(keys) || keys.length === 0) {
    throw new SessionError('INVALID_CONFIG', 'A keyring needs at least one key');
  }
  const entries: KeyEntry[] = [];
  const byKid = new Map<string, KeyEntry>();
  const secrets: Buffer[] = [];
  try {
    for (const spec of keys) {
      const entry = toEntry(spec, secrets);
      if (byKid.has(entry.kid)) invalid(`Duplicate kid ${JSON.stringify(entry.kid)}`);
      byKid.set(entry.kid, entry);
      entries.push(entry);
    }
    // One secret, one key: the same bytes under two kids would make rotation a no-op, and under
    // two algorithms would use one key for two purposes (NIST SP 800-57 Part 1 §5.2).
    for (let i = 0; i < secrets.length; i++) {
      for (let j = i + 1; j < secrets.length; j++) {
        const a = secrets[i]!;
        const b = secrets[j]!;
        if (a.length === b.length && timingSafeEqual(a, b)) invalid('The same secret is used by two keys');
      }
    }
  } finally {
    // The KeyObjects hold their own copies; do not leave ours lying in the heap.
    for (const s of secrets) s.fill(0);
  }

  const byAlg = new Map<string, KeyEntry[]>();
  for (const e of entries) {
    const list = byAlg.get(e.alg);
    if (list === undefined) byAlg.set(e.alg, [e]);
    else list.push(e);
  }
  const current = new Map<string, KeyEntry>();
  for (const [alg, list] of byAlg) current.set(alg, list.find(canIssue) ?? list[0]!);

  const state: KeyringState = {
    keys: entries,
    byKid,
    byAlg,
    current,
    signer: entries.find((e) => e.alg !== 'dir' && canIssue(e)),
    headers: new Map(),
    typs: new Set(),
  };
  // Most tokens carry the default type: have their headers ready before the first request.
  primeHeaders(state, 'JWT');
  return new Ring(state);
}

function canIssue(e: KeyEntry): boolean {
  return e.alg !== 'EdDSA' || e.privateKey !== undefined;
}

function toEntry(spec: KeySpec, secrets: Buffer[]): KeyEntry {
  if (typeof spec !== 'object' || spec === null) invalid('A key must be an object');
  const { kid } = spec;
  if (typeof kid !== 'string' || kid === '') invalid('A key needs a non-empty string kid');
  const base = { kid, headers: new Map<string, CachedHeader>() };
  switch (spec.alg) {
    case 'HS256': {
      const secret = secretBytes(spec.secret, secrets);
      // RFC 7518 §3.2: a key of the same size as the hash output (256 bits) or larger MUST be used.
      if (secret.length < 32) invalid('An HS256 secret must be at least 32 bytes');
      const key = createSecretKey(secret);
      return { ...base, alg: 'HS256', key, privateKey: undefined, hmac: hmacKey(key, secret) };
    }
    case 'dir': {
      // RFC 7518 §5.3: A256GCM takes a 256-bit key; with `dir` the shared key is that key (§4.5).
      if (spec.enc !== 'A256GCM') invalid('A dir key must use enc A256GCM');
      const secret = secretBytes(spec.secret, secrets);
      if (secret.length !== 32) invalid('An A256GCM key must be exactly 32 bytes');
      return { ...base, alg: 'dir', key: createSecretKey(secret), privateKey: undefined, hmac: undefined };
    }
    case 'EdDSA': {
      const publicKey = ed25519(spec.publicKey, 'public');
      const privateKey = spec.privateKey === undefined ? undefined : ed25519(spec.privateKey, 'private');
      if (privateKey !== undefined) {
        // A pair that does not match would issue tokens no one can verify: find out now.
        const probe = Buffer.from('statecraft key pair check');
        if (!verify(null, probe, publicKey, sign(null, probe, privateKey))) {
          invalid('The EdDSA private and public keys do not match');
        }
      }
      return { ...base, alg: 'EdDSA', key: publicKey, privateKey, hmac: undefined };
    }
    default:
      invalid('A key alg must be HS256, EdDSA or dir');
  }
}

function secretBytes(secret: unknown, secrets: Buffer[]): Buffer {
  let bytes: Buffer;
  if (typeof secret === 'string') bytes = Buffer.from(secret, 'utf8');
  else if (secret instanceof Uint8Array) bytes = Buffer.from(secret);
  else invalid('A secret must be a Uint8Array or a string');
  secrets.push(bytes);
  return bytes;
}

// RFC 8037 §3.1 defines EdDSA over Ed25519 and Ed448; this engine takes Ed25519 only.
function ed25519(input: unknown, type: 'public' | 'private'): KeyObject {
  let key: KeyObject;
  if (input instanceof KeyObject) key = input;
  else if (typeof input === 'string') {
    try {
      key = type === 'public' ? createPublicKey(input) : createPrivateKey(input);
    } catch {
      invalid(`Unreadable EdDSA ${type} key`);
    }
  } else invalid(`An EdDSA ${type} key must be a KeyObject or a PEM string`);
  if (key.type !== type || key.asymmetricKeyType !== 'ed25519') {
    invalid(`An EdDSA ${type} key must be an Ed25519 ${type} key`);
  }
  return key;
}

function invalid(message: string): never {
  throw new SessionError('TOKEN_KEY_INVALID', message);
}

/**
 * The key a token names. `alg` is the token's, already on the caller's allowlist; the key must
 * have been made for exactly that algorithm (RFC 8725 §2.1, §3.1: no HS/asymmetric confusion).
 * Without `kid` the ring must hold a single key of that algorithm: never try keys in turn.
 */
export function keyFor(state: KeyringState, alg: string, kid: string | undefined): KeyEntry {
  if (kid !== undefined) {
    const entry = state.byKid.get(kid);
    if (entry === undefined) throw new SessionError('TOKEN_KEY_UNKNOWN');
    if (entry.alg !== alg) throw new SessionError('TOKEN_ALG', 'The key is not for this algorithm');
    return entry;
  }
  const candidates = state.byAlg.get(alg);
  if (candidates === undefined) throw new SessionError('TOKEN_ALG', 'No key for this algorithm');
  if (candidates.length !== 1) throw new SessionError('TOKEN_KEY_UNKNOWN', 'The token has no kid');
  return candidates[0]!;
}

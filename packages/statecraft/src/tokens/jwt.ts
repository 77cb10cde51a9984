/**
 * JSON Web Tokens (RFC 7519) over the keyring: signed (JWS) or sealed (JWE), with their
 * registered claims checked. This is the API the session strategies call on every request.
 */
import { systemRandom } from '../platform/random.js';
import { SessionError } from '../session/errors.js';
import { checkClaims, checkTyp, checkVerifyOptions, issueClaims } from './claims.js';
import { compact, DEFAULT_MAX_LENGTH } from './compact.js';
import { issuedHeader, primeHeaders } from './header.js';
import { decodeJsonObject, parseJsonText, utf8Text } from './json.js';
import { openJwe, sealJwe } from './jwe.js';
import { signJws, verifyJws } from './jws.js';
import { type KeyEntry, type Keyring, type KeyringState, keyringState } from './keyring.js';
import { type OpenedEntry, recall, remember, tokenDigest } from './opened.js';
import type { JwtPayload, SealOptions, SignOptions, VerifiedToken, VerifyOptions } from './types.js';

/**
 * Signs `payload` with the ring's newest signing key (or its newest key of `opts.alg`).
 * The header is `{alg, kid, typ}`; `typ` defaults to `'JWT'`.
 *
 * @example
 * const token = signToken({ sub: 'u1', sid: 's1' }, keyring, { expiresIn: 3600, typ: 'session+jwt' })
 */
export function signToken(payload: JwtPayload, keyring: Keyring, opts: SignOptions = {}): string {
  const state = keyringState(keyring);
  const entry = opts.alg === undefined ? state.signer : state.current.get(opts.alg);
  if (
    entry === undefined ||
    entry.alg === 'dir' ||
    (entry.alg === 'EdDSA' && entry.privateKey === undefined)
  ) {
    throw new SessionError('INVALID_CONFIG', 'The keyring has no key to sign with');
  }
  return signJws(state, entry, opts.typ ?? 'JWT', encodeClaims(payload, opts).toString('base64url'));
}

/**
 * Verifies a signed token and its claims. Every refusal is a `SessionError` with a stable code:
 * `TOKEN_TOO_LARGE`, `TOKEN_MALFORMED`, `TOKEN_ALG`, `TOKEN_KEY_UNKNOWN`, `TOKEN_SIGNATURE`,
 * `TOKEN_EXPIRED`, `TOKEN_CLAIM` (and `INVALID_CONFIG` for bad options).
 *
 * @example
 * const { payload, stale } = verifyToken(token, keyring, { typ: 'session+jwt' })
 * if (stale) reissue(payload) // signed by an older key of the ring
 */
export function verifyToken<P extends JwtPayload = JwtPayload>(
  token: string,
  keyring: Keyring,
  opts: VerifyOptions = {},
): VerifiedToken<P> {
  const state = keyringState(keyring);
  checkVerifyOptions(opts);
  // Tokens of the expected type, from any process sharing the ring, then take the fast path.
  if (opts.typ !== undefined) primeHeaders(state, opts.typ);
  const jws = verifyJws(state, token, opts.maxLength ?? DEFAULT_MAX_LENGTH);
  checkTyp(jws.typ, opts.typ);
  // Decoded only now that the signature verified (RFC 7519 §7.2 step 10).
  const payload = decodeJsonObject(jws.payload) as P;
  checkClaims(payload, opts);
  return { payload, header: jws.header, kid: jws.entry.kid, stale: isStale(state, jws.entry) };
}

/**
 * Encrypts `payload` with the ring's newest `dir` key: a compact JWE, `alg: "dir"`,
 * `enc: "A256GCM"`, for claims the client must not read.
 *
 * @example
 * const token = sealToken({ sub: 'u1', cart: [42] }, keyring, { expiresIn: 900 })
 */
export function sealToken(payload: JwtPayload, keyring: Keyring, opts: SealOptions = {}): string {
  const state = keyringState(keyring);
  const entry = state.current.get('dir');
  if (entry === undefined) throw new SessionError('INVALID_CONFIG', 'The keyring has no dir key');
  const iv = (opts.random ?? systemRandom).bytes(12);
  return sealJwe(issuedHeader(state, entry, opts.typ ?? 'JWT'), encodeClaims(payload, opts), iv);
}

/**
 * Decrypts a sealed token and checks its claims; refusals as for {@link verifyToken}, with
 * `TOKEN_SIGNATURE` when the authentication tag does not verify.
 *
 * @example
 * const { payload } = openToken(token, keyring, { audience: 'api' })
 */
export function openToken<P extends JwtPayload = JwtPayload>(
  token: string,
  keyring: Keyring,
  opts: VerifyOptions = {},
): VerifiedToken<P> {
  const state = keyringState(keyring);
  checkVerifyOptions(opts);
  if (opts.typ !== undefined) primeHeaders(state, opts.typ);
  const compacted = compact(token, opts.maxLength ?? DEFAULT_MAX_LENGTH);
  const cache = opts.cache;
  const digest = cache === undefined ? undefined : tokenDigest(compacted);
  const seen = digest === undefined ? undefined : recall(cache!, digest, state.byKid);
  let opened: OpenedEntry;
  if (seen === undefined) {
    const jwe = openJwe(state, compacted);
    checkTyp(jwe.typ, opts.typ);
    opened = { entry: jwe.entry, header: jwe.header, typ: jwe.typ, json: utf8Text(jwe.plaintext) };
  } else {
    checkTyp(seen.typ, opts.typ);
    opened = seen;
  }
  const payload = parseJsonText(opened.json) as P;
  // Remembered once it decrypted to a JSON object of the expected type; its claims are checked
  // again on every later hit, against the clock of that moment.
  if (seen === undefined && digest !== undefined) remember(cache!, digest, opened);
  checkClaims(payload, opts);
  return { payload, header: opened.header, kid: opened.entry.kid, stale: isStale(state, opened.entry) };
}

function isStale(state: KeyringState, entry: KeyEntry): boolean {
  return state.current.get(entry.alg) !== entry;
}

function encodeClaims(payload: JwtPayload, opts: SignOptions | SealOptions): Buffer {
  const claims = issueClaims(payload, opts);
  let json: string | undefined;
  try {
    json = JSON.stringify(claims);
  } catch {
    // Cycles, BigInt: the caller's payload cannot be a JWT.
  }
  // A `toJSON` can turn the payload into something else; a JWT is a JSON object (RFC 7519 §7.1).
  if (json === undefined || json.charCodeAt(0) !== 0x7b /* { */) {
    throw new SessionError('INVALID_CONFIG', 'The payload does not serialize to a JSON object');
  }
  return Buffer.from(json, 'utf8');
}

/**
 * The token engine: strict, synchronous JWS (HS256, EdDSA) and JWE (dir + A256GCM) JWTs over a
 * rotating keyring. See docs/tokens.md.
 *
 * @example
 * import { createKeyring, signToken, verifyToken } from './tokens/index.js'
 * const keyring = createKeyring([{ kid: 'k1', alg: 'HS256', secret: randomBytes(32) }])
 * const token = signToken({ sub: 'u1' }, keyring, { expiresIn: 3600, typ: 'session+jwt' })
 * verifyToken(token, keyring, { typ: 'session+jwt' }).payload.sub // 'u1'
 */
export { b64uDecode, b64uEncode } from './base64url.js';
export { MAX_LEEWAY } from './claims.js';
export { DEFAULT_MAX_LENGTH } from './compact.js';
export { normalizeTyp } from './header.js';
export { openToken, sealToken, signToken, verifyToken } from './jwt.js';
export type { DirKeySpec, EdDsaKeySpec, HmacKeySpec, KeyAlg, Keyring, KeySpec } from './keyring.js';
export { createKeyring } from './keyring.js';
export type { TokenCache } from './opened.js';
export { createTokenCache } from './opened.js';
export type {
  IssueOptions,
  JweAlg,
  JweEnc,
  JwsAlg,
  JwtPayload,
  ProtectedHeader,
  SealOptions,
  SignOptions,
  VerifiedToken,
  VerifyOptions,
} from './types.js';

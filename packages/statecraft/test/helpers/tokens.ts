/** Fixed keys for strategy tests (never used outside tests). */
import { randomBytes } from 'node:crypto';
import type { KeySpec } from 'statecraft';

export const hsKey = (kid = 'hs-1'): KeySpec => ({ kid, alg: 'HS256', secret: randomBytes(32) });
export const dirKey = (kid = 'dir-1'): KeySpec => ({
  kid,
  alg: 'dir',
  enc: 'A256GCM',
  secret: randomBytes(32),
});

/** The credential inside a Set-Cookie value. */
export function cookieValue(setCookie: string | null, name = 'sid'): string {
  const m = new RegExp(`^${name}=([^;]*)`).exec(setCookie ?? '');
  if (!m) throw new Error(`no ${name} cookie in ${setCookie}`);
  return decodeURIComponent(m[1]!);
}

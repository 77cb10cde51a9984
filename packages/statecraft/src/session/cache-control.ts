/**
 * What a response tied to a session may say to caches. A response that sets or clears the
 * credential, or that belongs to a logged-in user, must never be kept by a shared cache (RFC
 * 9111 §3: a stored copy is served to whoever asks next; OWASP Session Management: responses
 * with sensitive content get `Cache-Control: no-store`). A handler may keep its own header when
 * it already keeps shared caches out (`private`, `no-store`); anything else — no header,
 * `public`, a bare `max-age` — is replaced.
 */

/** `no-store` or an unqualified `private` directive (a qualified `private="…"` names fields only). */
const KEEPS_SHARED_CACHES_OUT = /(?:^|,)\s*(?:no-store|private)\s*(?:,|$)/i;

/**
 * The `Cache-Control` a session-bearing response must carry instead of `current`, or null
 * when `current` already keeps shared caches out.
 *
 * @example
 * sessionCacheControl(undefined) // 'no-store'
 * sessionCacheControl('public, max-age=60') // 'no-store'
 * sessionCacheControl('private, max-age=30') // null: kept
 */
export function sessionCacheControl(current: string | number | readonly string[] | undefined): string | null {
  if (current === undefined) return 'no-store';
  const value = Array.isArray(current) ? current.join(',') : String(current);
  return KEEPS_SHARED_CACHES_OUT.test(value) ? null : 'no-store';
}

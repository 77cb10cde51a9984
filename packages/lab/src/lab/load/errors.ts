/**
 * Error kinds, the keys of `PhaseMetrics.errors`: `http_<status>` for answers of 400 and up,
 * and one word per way a request can fail without an answer. Kinds are few and stable so that
 * claim rules can sum them (C2 counts `reset` + `refused` + `http_502`… during a kill).
 */

/** Ways a request fails without an HTTP answer. */
export type TransportErrorKind = 'timeout' | 'reset' | 'refused' | 'dropped' | 'other';

/** The arrival could not start in time (in-flight cap reached, or the generator lagged). */
export const DROPPED: TransportErrorKind = 'dropped';

/** `http_503` for 503; statuses below 400 are not errors. */
export function httpErrorKind(status: number): string {
  return `http_${status}`;
}

const TIMEOUT_CODES = new Set([
  'UND_ERR_HEADERS_TIMEOUT',
  'UND_ERR_BODY_TIMEOUT',
  'UND_ERR_CONNECT_TIMEOUT',
  'ETIMEDOUT',
]);
const RESET_CODES = new Set(['ECONNRESET', 'EPIPE', 'UND_ERR_SOCKET', 'ECONNABORTED', 'UND_ERR_CLOSED']);
const REFUSED_CODES = new Set(['ECONNREFUSED', 'EHOSTUNREACH', 'ENETUNREACH', 'EADDRNOTAVAIL']);

/**
 * The kind of a transport failure, from the error's `code` (and its cause's, where undici wraps
 * a system error). `UND_ERR_SOCKET` is undici's "other side closed": the connection ended
 * before the answer, which is what a killed instance or a cut proxy looks like — a reset.
 */
export function transportErrorKind(err: unknown): TransportErrorKind {
  for (let e: unknown = err, depth = 0; e && depth < 3; e = (e as { cause?: unknown }).cause, depth++) {
    const code = (e as { code?: unknown }).code;
    if (typeof code !== 'string') continue;
    if (TIMEOUT_CODES.has(code)) return 'timeout';
    if (REFUSED_CODES.has(code)) return 'refused';
    if (RESET_CODES.has(code)) return 'reset';
  }
  return 'other';
}

/**
 * Credential transport: where the id or token travels. Cookies are parsed with the `cookie`
 * package (the parser Express uses) after a size check, so an oversized header is refused
 * before any parsing work. Bearer credentials follow RFC 6750 §2.1.
 */
import { parse, serialize } from 'cookie';
import { SessionError } from './errors.js';
import type { ResolvedOptions } from './options.js';

/** Anything with Node-style lower-cased request headers (IncomingMessage fits). */
export interface CredentialSource {
  headers: Record<string, string | string[] | undefined>;
}

export interface Credential {
  value: string;
  via: 'cookie' | 'bearer';
}

function header(src: CredentialSource, name: string, max: number): string | undefined {
  const raw = src.headers[name];
  if (raw === undefined) return undefined;
  // Node joins repeated Cookie headers with '; '; other repeats arrive as arrays.
  const v = Array.isArray(raw) ? raw.join('; ') : raw;
  if (v.length > max) throw new SessionError('HEADER_TOO_LARGE');
  return v;
}

const BEARER = /^Bearer +([A-Za-z0-9\-._~+/]+=*) *$/i;

/** The credential a request carries, in the order the transports are configured. */
export function readCredential(src: CredentialSource, o: ResolvedOptions): Credential | null {
  for (const t of o.transport) {
    if (t === 'cookie') {
      const h = header(src, 'cookie', o.maxHeaderBytes);
      // Cheap test first: most requests of a site without a session carry other cookies only.
      if (h === undefined || !h.includes(o.cookieName)) continue;
      const value = parse(h)[o.cookieName];
      if (value) return { value, via: 'cookie' };
    } else {
      const h = header(src, 'authorization', o.maxHeaderBytes);
      if (h === undefined) continue;
      const m = BEARER.exec(h);
      if (m) return { value: m[1]!, via: 'bearer' };
    }
  }
  return null;
}

// What the library issues (base64url ids and tokens, with `.` and `~` separators): cookie-octets
// of RFC 6265 §4.1.1 that need no quoting. Anything else goes through `serialize`, which checks.
const CREDENTIAL = /^[A-Za-z0-9_.~-]+$/;

/** The attributes after `Max-Age`, the same for every cookie of one set of options. */
const attributes = new WeakMap<ResolvedOptions, string>();

function attributesOf(o: ResolvedOptions): string {
  let a = attributes.get(o);
  if (a === undefined) {
    // The order `serialize` writes them in, without the name, value and Max-Age it varies by.
    a = serialize('x', '', { httpOnly: true, secure: o.secure, sameSite: o.sameSite, path: '/' }).slice(2);
    attributes.set(o, a);
  }
  return a;
}

/** `Set-Cookie` value holding `value`, expiring with the session when `persistent`. */
export function sessionCookie(o: ResolvedOptions, value: string, maxAgeMs: number): string {
  const maxAge = Math.max(0, Math.floor(maxAgeMs / 1000));
  // Built from cached attributes: `serialize` validates and assembles every attribute each call.
  const c = CREDENTIAL.test(value)
    ? `${o.cookieName}=${value}${o.persistent ? `; Max-Age=${maxAge}` : ''}${attributesOf(o)}`
    : serialize(o.cookieName, value, {
        httpOnly: true,
        secure: o.secure,
        sameSite: o.sameSite,
        path: '/',
        ...(o.persistent ? { maxAge } : {}),
      });
  // Browsers ignore cookies over 4096 bytes (RFC 6265 §6.1); fail the commit loudly instead.
  if (c.length > 4096) throw new SessionError('COOKIE_TOO_LARGE');
  return c;
}

/** `Set-Cookie` value that makes the browser forget the session cookie. */
export function clearCookie(o: ResolvedOptions): string {
  return serialize(o.cookieName, '', {
    httpOnly: true,
    secure: o.secure,
    sameSite: o.sameSite,
    path: '/',
    maxAge: 0,
  });
}

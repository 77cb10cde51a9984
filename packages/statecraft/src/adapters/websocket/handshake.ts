/**
 * The HTTP side of a WebSocket handshake, before any upgrade: where the credential comes from,
 * whether the page's origin may use the session cookie, and how a refusal is written on the raw
 * socket (the upgrade request has no ServerResponse).
 */
import type { IncomingMessage } from 'node:http';
import { STATUS_CODES } from 'node:http';
import type { Duplex } from 'node:stream';
import { isSessionError, SessionError } from '../../session/errors.js';

const HEADER = 'sec-websocket-protocol';

/** RFC 9110 §5.6.2 `token`: what a subprotocol value may be (RFC 6455 §4.1). */
const TOKEN = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;

/** True when `value` can travel as a WebSocket subprotocol (browsers and `ws` refuse others). */
export function isSubprotocolToken(value: string): boolean {
  return TOKEN.test(value);
}

/**
 * The credential a client offers as a subprotocol: the value right after `marker` in
 * `Sec-WebSocket-Protocol` (`new WebSocket(url, ['statecraft.v1', token])`). The credential is
 * then removed from the request's headers, so `ws` can never select (echo) it and nothing that
 * logs the request later sees it; `marker` is moved first, so `ws`'s default selection picks it.
 * Returns null, leaving the headers as they are, when no credential follows the marker.
 */
export function takeSubprotocolCredential(
  req: IncomingMessage,
  marker: string,
  maxBytes: number,
): string | null {
  const raw = req.headers[HEADER];
  if (raw === undefined) return null;
  if (raw.length > maxBytes) throw new SessionError('HEADER_TOO_LARGE');
  const offered = raw.split(',').map((p) => p.trim());
  const at = offered.indexOf(marker);
  const credential = at >= 0 ? offered[at + 1] : undefined;
  if (credential === undefined || credential === '' || !TOKEN.test(credential)) return null;
  const rest = [marker, ...offered.filter((_, i) => i !== at && i !== at + 1)];
  req.headers[HEADER] = rest.join(', ');
  // rawHeaders keeps what came on the wire: scrub the credential there too.
  const rh = req.rawHeaders;
  for (let i = 0; i + 1 < rh.length; i += 2) {
    if (rh[i]!.toLowerCase() !== HEADER) continue;
    rh[i + 1] = rh[i + 1]!.split(',')
      .map((p) => p.trim())
      .filter((p) => p !== credential)
      .join(', ');
  }
  return credential;
}

/** Who may open a WebSocket authenticated by the session cookie, by the `Origin` header. */
export type OriginPolicy = readonly string[] | ((origin: string, req: IncomingMessage) => boolean);

/**
 * Cross-Site WebSocket Hijacking: the handshake is not subject to CORS, so a page of another
 * origin can open a WebSocket that carries the user's cookie (SameSite only stops other *sites*,
 * not sibling subdomains). Browsers always send `Origin` on the handshake (RFC 6455 §4.1), so
 * a cookie-authenticated upgrade is accepted when `Origin` is absent (not a browser), is in the
 * allowlist, or — by default — names the same host as the `Host` header.
 */
export function originAllowed(req: IncomingMessage, policy: OriginPolicy | undefined): boolean {
  const origin = req.headers.origin;
  if (origin === undefined) return true;
  if (typeof policy === 'function') return policy(origin, req);
  if (policy !== undefined) return policy.includes(origin);
  const host = req.headers.host;
  if (host === undefined) return false;
  try {
    return new URL(origin).host.toLowerCase() === host.toLowerCase();
  } catch {
    return false; // 'null' (sandboxed frames, file:) and anything else that is not a URL
  }
}

/** The JSON body of a refusal that is not a SessionError. */
export interface Refusal {
  status: number;
  code: string;
  message: string;
}

/**
 * Answers the upgrade request with a plain HTTP response and closes the socket, like
 * `ws`'s own refusals. A SessionError becomes its status with its public body; any other error
 * a bare 500 with nothing from it.
 */
export function refuse(socket: Duplex, e: unknown): void {
  let status = 500;
  let body = '{"error":{"code":"INTERNAL","message":"Internal error"}}';
  if (isSessionError(e)) {
    status = e.status;
    body = JSON.stringify(e.toJSON());
  } else if (isRefusal(e)) {
    status = e.status;
    body = JSON.stringify({ error: { code: e.code, message: e.message } });
  }
  if (socket.destroyed || !socket.writable) {
    socket.destroy();
    return;
  }
  const head = [
    `HTTP/1.1 ${status} ${STATUS_CODES[status] ?? ''}`,
    'Connection: close',
    'Content-Type: application/json',
    `Content-Length: ${Buffer.byteLength(body)}`,
    'Cache-Control: no-store',
  ];
  socket.once('finish', () => socket.destroy());
  socket.end(`${head.join('\r\n')}\r\n\r\n${body}`);
}

function isRefusal(e: unknown): e is Refusal {
  return (
    typeof e === 'object' &&
    e !== null &&
    typeof (e as Refusal).status === 'number' &&
    typeof (e as Refusal).code === 'string' &&
    !(e instanceof Error)
  );
}

/** The pathname of a request target, or null when it does not parse. */
export function pathOf(url: string | undefined): string | null {
  try {
    return new URL(url ?? '/', 'http://localhost').pathname;
  } catch {
    return null;
  }
}

/**
 * The answers the balancer gives itself, as JSON in the library's error shape
 * (`{ error: { code, message } }`), so that clients handle them like any other error.
 */
import type { ServerResponse } from 'node:http';
import type { Socket } from 'node:net';

export type BalancerErrorCode = 'NO_BACKEND' | 'BAD_GATEWAY' | 'GATEWAY_TIMEOUT' | 'BODY_TOO_LARGE';

const STATUS: Record<BalancerErrorCode, number> = {
  NO_BACKEND: 503,
  BAD_GATEWAY: 502,
  GATEWAY_TIMEOUT: 504,
  BODY_TOO_LARGE: 413,
};

const MESSAGE: Record<BalancerErrorCode, string> = {
  NO_BACKEND: 'No instance is available',
  BAD_GATEWAY: 'The instance failed before it answered',
  GATEWAY_TIMEOUT: 'The instance did not answer in time',
  BODY_TOO_LARGE: 'The request body is too large',
};

function body(code: BalancerErrorCode): string {
  return JSON.stringify({ error: { code, message: MESSAGE[code] } });
}

/** Sends the error, or cuts the connection when a response has already begun. */
export function sendBalancerError(res: ServerResponse, code: BalancerErrorCode): void {
  if (res.headersSent) {
    res.destroy();
    return;
  }
  const text = body(code);
  res.writeHead(STATUS[code], {
    'content-type': 'application/json',
    'content-length': Buffer.byteLength(text),
    'cache-control': 'no-store',
    // Retry-After on 503 tells well-behaved clients to come back shortly (RFC 9110 §10.2.3).
    ...(code === 'NO_BACKEND' ? { 'retry-after': '1' } : {}),
  });
  res.end(text);
}

/** The same answer written on a raw socket (a WebSocket upgrade that could not be proxied). */
export function writeBalancerError(socket: Socket, code: BalancerErrorCode): void {
  if (!socket.writable) {
    socket.destroy();
    return;
  }
  const text = body(code);
  socket.end(
    `HTTP/1.1 ${STATUS[code]} ${code}\r\ncontent-type: application/json\r\n` +
      `content-length: ${Buffer.byteLength(text)}\r\nconnection: close\r\n\r\n${text}`,
  );
}

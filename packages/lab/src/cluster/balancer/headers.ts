/**
 * Header rewriting at the proxy: hop-by-hop headers stay on their hop (RFC 9110 §7.6.1), the
 * client's address is appended to `X-Forwarded-For`, and the original host and scheme are
 * passed on as `X-Forwarded-Host` and `X-Forwarded-Proto`.
 */
import type { IncomingHttpHeaders, OutgoingHttpHeaders } from 'node:http';

const HOP_BY_HOP = new Set([
  'connection',
  'keep-alive',
  'proxy-connection',
  'te',
  'trailer',
  'transfer-encoding',
  'upgrade',
  // The balancer reads the whole body before forwarding, so the client's expectation is met.
  'expect',
]);

/** `headers` without hop-by-hop ones, including those the `Connection` header names. */
export function endToEnd(headers: IncomingHttpHeaders): OutgoingHttpHeaders {
  const named = headers.connection;
  const out: OutgoingHttpHeaders = {};
  // Most messages name nothing but the connection's own fate, which is hop-by-hop already.
  if (named === undefined || named === 'keep-alive' || named === 'close') {
    for (const k in headers) if (!HOP_BY_HOP.has(k)) out[k] = headers[k];
    return out;
  }
  const extra = named
    .toLowerCase()
    .split(',')
    .map((s) => s.trim());
  for (const k in headers) {
    if (HOP_BY_HOP.has(k) || extra.includes(k)) continue;
    out[k] = headers[k];
  }
  return out;
}

/** The headers to send to the instance for a request from `address`. */
export function requestHeaders(headers: IncomingHttpHeaders, address: string): OutgoingHttpHeaders {
  const out = endToEnd(headers);
  const xff = headers['x-forwarded-for'];
  out['x-forwarded-for'] = xff === undefined || xff === '' ? address : `${xff}, ${address}`;
  out['x-forwarded-proto'] = 'http';
  if (headers.host !== undefined && headers['x-forwarded-host'] === undefined) {
    out['x-forwarded-host'] = headers.host;
  }
  return out;
}

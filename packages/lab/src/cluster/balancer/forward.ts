/**
 * Proxying one HTTP request: pick an instance, send the request over that instance's
 * keep-alive agent, stream the response back. One retry on another instance when the first
 * one failed before a response began and a retry is safe:
 *   - the connection was never established (refused, connect timeout): nothing reached the
 *     instance, so any request may go elsewhere — nginx's `proxy_next_upstream error` rule;
 *   - the request may have reached it (reset, timeout after sending): only idempotent methods
 *     (RFC 9110 §9.2.2: GET, HEAD, PUT, DELETE, OPTIONS, TRACE) and requests that carry an
 *     `Idempotency-Key` are sent again; others get 502.
 * A refused connection also ejects the instance at once, without waiting for a health check.
 */
import { type IncomingMessage, type OutgoingHttpHeaders, request, type ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import { countStatus, headBytes, type UnroutedCounters } from './counters.js';
import { type BalancerErrorCode, sendBalancerError } from './errors.js';
import { endToEnd, requestHeaders } from './headers.js';
import type { Policy } from './policies/types.js';
import type { Backend, Pool } from './pool.js';

/** `Cache-Control: public` or `s-maxage`, without `private` or `no-store`: meant for shared caches. */
function sharedCacheable(cc: number | string | string[] | undefined): boolean {
  if (cc === undefined) return false;
  const v = Array.isArray(cc) ? cc.join(',') : String(cc);
  return /(?:^|,)\s*(?:public|s-maxage)\b/i.test(v) && !/(?:^|,)\s*(?:private|no-store)\b/i.test(v);
}

export interface ForwardTimeouts {
  /** Connecting to an instance. @default 2000 */
  connectMs: number;
  /** Silence from an instance while a request is in flight (waiting for it, or mid-body). @default 30000 */
  responseMs: number;
}

export interface ForwardContext {
  pool: Pool;
  policy: Policy;
  unrouted: UnroutedCounters;
  timeouts: ForwardTimeouts;
  maxBodyBytes: number;
}

const IDEMPOTENT = new Set(['GET', 'HEAD', 'PUT', 'DELETE', 'OPTIONS', 'TRACE']);

/** Errors that mean the connection was never made: the request did not leave. */
const NOT_CONNECTED = new Set([
  'ECONNREFUSED',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'EADDRNOTAVAIL',
  'ECONNTIMEOUT',
]);

export function isRetryable(method: string, headers: IncomingMessage['headers']): boolean {
  return IDEMPOTENT.has(method) || headers['idempotency-key'] !== undefined;
}

function fail(ctx: ForwardContext, res: ServerResponse, code: BalancerErrorCode): void {
  if (code === 'NO_BACKEND') ctx.unrouted.noBackend++;
  else if (code === 'BAD_GATEWAY') ctx.unrouted.badGateway++;
  else if (code === 'GATEWAY_TIMEOUT') ctx.unrouted.gatewayTimeout++;
  else ctx.unrouted.tooLarge++;
  sendBalancerError(res, code);
}

/** Handles one request; the body (if any) is read first, so that a retry can send it again. */
export function forward(ctx: ForwardContext, req: IncomingMessage, res: ServerResponse): void {
  const length = req.headers['content-length'];
  const chunked = req.headers['transfer-encoding'] !== undefined;
  if (!chunked && (length === undefined || length === '0')) {
    req.resume();
    dispatch(ctx, req, res, null);
    return;
  }
  if (length !== undefined && Number(length) > ctx.maxBodyBytes) {
    res.setHeader('connection', 'close');
    fail(ctx, res, 'BODY_TOO_LARGE');
    req.resume();
    return;
  }
  const chunks: Buffer[] = [];
  let size = 0;
  let over = false;
  req.on('data', (c: Buffer) => {
    if (over) return;
    size += c.length;
    if (size > ctx.maxBodyBytes) {
      over = true;
      res.setHeader('connection', 'close');
      fail(ctx, res, 'BODY_TOO_LARGE');
      return;
    }
    chunks.push(c);
  });
  req.once('end', () => {
    if (!over) dispatch(ctx, req, res, chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks, size));
  });
  req.once('error', () => res.destroy());
}

function dispatch(ctx: ForwardContext, req: IncomingMessage, res: ServerResponse, body: Buffer | null): void {
  const method = req.method ?? 'GET';
  const address = req.socket.remoteAddress ?? '';
  const input = { cookie: req.headers.cookie, address };
  const retryable = isRetryable(method, req.headers);
  const headers: OutgoingHttpHeaders = requestHeaders(req.headers, address);
  if (body !== null) headers['content-length'] = body.length;
  const sentBytes =
    headBytes(method.length + (req.url?.length ?? 1) + 10, req.rawHeaders) + (body?.length ?? 0);

  let current: { up: ReturnType<typeof request>; done(): void } | null = null;
  let clientGone = false;
  res.once('close', () => {
    if (!res.writableFinished) {
      clientGone = true;
      current?.up.destroy();
    }
    current?.done();
  });

  const attempt = (n: number, tried: Backend | null): void => {
    const healthy = ctx.pool.healthy();
    const pool = tried === null ? healthy : healthy.filter((b) => b !== tried);
    const b = pool.length === 0 ? undefined : ctx.policy.pick(input, pool);
    if (b === undefined) {
      fail(ctx, res, tried === null ? 'NO_BACKEND' : 'BAD_GATEWAY');
      return;
    }
    const c = b.counters;
    c.requests++;
    c.inFlight++;
    c.bytesIn += sentBytes;
    let finished = false;
    const done = () => {
      if (finished) return;
      finished = true;
      c.inFlight--;
    };

    const up = request({
      host: b.host,
      port: b.port,
      method,
      path: req.url,
      headers,
      agent: b.agent,
    });
    current = { up, done };
    let connected = false;
    let responded = false;
    let timedOut = false;
    let wasCut = false;
    /** The instance failed mid-response: the client's response cannot be completed. */
    const cut = () => {
      if (wasCut || clientGone) return;
      wasCut = true;
      c.errors++;
      res.destroy();
    };

    up.once('socket', (socket: Socket) => {
      if (!socket.connecting) {
        // A reused keep-alive socket: the request may reach the instance.
        connected = true;
        return;
      }
      const timer = setTimeout(() => {
        up.destroy(Object.assign(new Error('connect timeout'), { code: 'ECONNTIMEOUT' }));
      }, ctx.timeouts.connectMs);
      socket.once('connect', () => {
        connected = true;
        clearTimeout(timer);
      });
      socket.once('close', () => clearTimeout(timer));
    });
    up.setTimeout(ctx.timeouts.responseMs, () => {
      timedOut = true;
      up.destroy(Object.assign(new Error('response timeout'), { code: 'ETIMEDOUT' }));
    });

    up.once('response', (ures) => {
      responded = true;
      const status = ures.statusCode ?? 502;
      countStatus(c, status);
      const out = endToEnd(ures.headers);
      // Not on an answer a shared cache may keep: the cache would store the affinity cookie
      // with it and hand the same one to every visitor (HAProxy's `nocache` guards the same
      // way). The client gets it with its first answer that is not public, such as a login.
      const cookie = sharedCacheable(out['cache-control']) ? null : (ctx.policy.affinity?.(input, b) ?? null);
      if (cookie !== null) {
        const prev = out['set-cookie'];
        out['set-cookie'] = prev === undefined ? [cookie] : [...(prev as string[]), cookie];
      }
      c.bytesOut += headBytes(13 + (ures.statusMessage?.length ?? 0), ures.rawHeaders);
      if (clientGone) {
        ures.resume();
        return;
      }
      res.writeHead(status, ures.statusMessage, out);
      ures.on('data', (chunk: Buffer) => {
        c.bytesOut += chunk.length;
      });
      ures.pipe(res);
      ures.once('error', cut);
      ures.once('aborted', cut);
    });

    up.once('error', (err: NodeJS.ErrnoException) => {
      done();
      if (clientGone) return;
      if (responded) return cut();
      c.errors++;
      const code = err.code ?? '';
      const neverSent = !connected && NOT_CONNECTED.has(code);
      if (neverSent) ctx.pool.eject(b, code === 'ECONNREFUSED' ? 'connection refused' : code.toLowerCase());
      const another = ctx.pool.healthy().some((x) => x !== b);
      if (n === 0 && another && (neverSent || retryable)) {
        c.retries++;
        attempt(1, b);
        return;
      }
      fail(ctx, res, timedOut ? 'GATEWAY_TIMEOUT' : 'BAD_GATEWAY');
    });

    up.end(body ?? undefined);
  };

  attempt(0, null);
}

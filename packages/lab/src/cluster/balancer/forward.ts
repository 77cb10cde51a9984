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
import {
  type ClientRequest,
  type IncomingMessage,
  type OutgoingHttpHeaders,
  request,
  type ServerResponse,
} from 'node:http';
import type { Socket } from 'node:net';
import { type BackendCounters, countStatus, headBytes, type UnroutedCounters } from './counters.js';
import { type BalancerErrorCode, sendBalancerError } from './errors.js';
import { endToEnd, requestHeaders } from './headers.js';
import type { PickInput, Policy } from './policies/types.js';
import type { Backend, Pool } from './pool.js';

const SHARED = /(?:^|,)\s*(?:public|s-maxage)\b/i;
const NOT_SHARED = /(?:^|,)\s*(?:private|no-store)\b/i;
// An instance sends the same few Cache-Control values again and again: the last answer is kept.
let lastCc = '';
let lastShared = false;

/** `Cache-Control: public` or `s-maxage`, without `private` or `no-store`: meant for shared caches. */
function sharedCacheable(cc: number | string | string[] | undefined): boolean {
  if (cc === undefined) return false;
  const v = Array.isArray(cc) ? cc.join(',') : String(cc);
  if (v !== lastCc) {
    lastShared = SHARED.test(v) && !NOT_SHARED.test(v);
    lastCc = v;
  }
  return lastShared;
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

/**
 * One client request on its way through. Its state lives in plain objects and its listeners are
 * shared module-level functions that find the state through the emitter, so that a request
 * allocates no closures.
 */
class Exchange {
  readonly method: string;
  readonly input: PickInput;
  readonly retryable: boolean;
  /**
   * Name, value, name, value…: a flat list goes to the wire as it is, where an object would be
   * copied and validated header by header again by `http.request`.
   */
  readonly headers: string[] = [];
  readonly hasHost: boolean;
  readonly sentBytes: number;
  current: Attempt | null = null;
  clientGone = false;

  constructor(
    readonly ctx: ForwardContext,
    readonly req: IncomingMessage,
    readonly res: ServerResponse,
    readonly body: Buffer | null,
  ) {
    const method = req.method ?? 'GET';
    const address = req.socket.remoteAddress ?? '';
    this.method = method;
    this.input = { cookie: req.headers.cookie, address };
    this.retryable = isRetryable(method, req.headers);
    const headers: OutgoingHttpHeaders = requestHeaders(req.headers, address);
    if (body !== null) headers['content-length'] = body.length;
    for (const k in headers) {
      const v = headers[k];
      if (v === undefined) continue;
      if (Array.isArray(v)) for (const one of v) this.headers.push(k, one);
      else this.headers.push(k, String(v));
    }
    this.hasHost = headers.host !== undefined;
    this.sentBytes =
      headBytes(method.length + (req.url?.length ?? 1) + 10, req.rawHeaders) + (body?.length ?? 0);
  }
}

/** One try on one instance. */
class Attempt {
  finished = false;
  connected = false;
  responded = false;
  timedOut = false;
  wasCut = false;
  timer: NodeJS.Timeout | undefined = undefined;
  ures: IncomingMessage | null = null;

  constructor(
    readonly x: Exchange,
    readonly n: number,
    readonly b: Backend,
    readonly c: BackendCounters,
    readonly up: ClientRequest,
  ) {}

  done(): void {
    if (this.finished) return;
    this.finished = true;
    this.c.inFlight--;
  }

  /** The instance failed mid-response: the client's response cannot be completed. */
  cut(): void {
    if (this.wasCut || this.x.clientGone) return;
    this.wasCut = true;
    this.c.errors++;
    this.x.res.destroy();
  }
}

const kAttempt = Symbol('attempt');
const kExchange = Symbol('exchange');
type WithAttempt = { [kAttempt]: Attempt };
type WithExchange = { [kExchange]: Exchange };
const attemptOf = (e: object): Attempt => (e as WithAttempt)[kAttempt];

function dispatch(ctx: ForwardContext, req: IncomingMessage, res: ServerResponse, body: Buffer | null): void {
  const x = new Exchange(ctx, req, res, body);
  (res as unknown as WithExchange)[kExchange] = x;
  res.once('close', onClientClose);
  attempt(x, 0, null);
}

function onClientClose(this: ServerResponse): void {
  const x = (this as unknown as WithExchange)[kExchange];
  if (!this.writableFinished) {
    x.clientGone = true;
    x.current?.up.destroy();
  }
  x.current?.done();
}

function attempt(x: Exchange, n: number, tried: Backend | null): void {
  const { ctx } = x;
  const healthy = ctx.pool.healthy();
  const pool = tried === null ? healthy : healthy.filter((b) => b !== tried);
  const b = pool.length === 0 ? undefined : ctx.policy.pick(x.input, pool);
  if (b === undefined) {
    fail(ctx, x.res, tried === null ? 'NO_BACKEND' : 'BAD_GATEWAY');
    return;
  }
  const c = b.counters;
  c.requests++;
  c.inFlight++;
  c.bytesIn += x.sentBytes;

  const up = request({
    host: b.host,
    port: b.port,
    method: x.method,
    path: x.req.url,
    // `http.request` adds no Host to a header list: the instance's own, as it would have.
    headers: x.hasHost ? x.headers : [...x.headers, 'host', hostHeader(b)],
    agent: b.agent,
    // The same socket timeout `up.setTimeout()` would set, without its extra listener.
    timeout: ctx.timeouts.responseMs,
  });
  const a = new Attempt(x, n, b, c, up);
  (up as unknown as WithAttempt)[kAttempt] = a;
  x.current = a;
  up.once('socket', onSocket);
  up.once('timeout', onResponseTimeout);
  up.once('response', onResponse);
  up.once('error', onUpstreamError);
  up.end(x.body ?? undefined);
}

function hostHeader(b: Backend): string {
  const host = b.host.includes(':') ? `[${b.host}]` : b.host;
  return b.port === 80 ? host : `${host}:${b.port}`;
}

function onSocket(this: ClientRequest, socket: Socket): void {
  const a = attemptOf(this);
  if (!socket.connecting) {
    // A reused keep-alive socket: the request may reach the instance.
    a.connected = true;
    return;
  }
  a.timer = setTimeout(onConnectTimeout, a.x.ctx.timeouts.connectMs, a);
  (socket as unknown as WithAttempt)[kAttempt] = a;
  socket.once('connect', onConnect);
  socket.once('close', onConnectClose);
}

function onConnectTimeout(a: Attempt): void {
  a.up.destroy(Object.assign(new Error('connect timeout'), { code: 'ECONNTIMEOUT' }));
}

function onConnect(this: Socket): void {
  const a = attemptOf(this);
  a.connected = true;
  clearTimeout(a.timer);
}

function onConnectClose(this: Socket): void {
  clearTimeout(attemptOf(this).timer);
}

function onResponseTimeout(this: ClientRequest): void {
  attemptOf(this).timedOut = true;
  this.destroy(Object.assign(new Error('response timeout'), { code: 'ETIMEDOUT' }));
}

function onResponse(this: ClientRequest, ures: IncomingMessage): void {
  const a = attemptOf(this);
  const { x, c } = a;
  a.responded = true;
  const status = ures.statusCode ?? 502;
  countStatus(c, status);
  const out = endToEnd(ures.headers);
  // Not on an answer a shared cache may keep: the cache would store the affinity cookie
  // with it and hand the same one to every visitor (HAProxy's `nocache` guards the same
  // way). The client gets it with its first answer that is not public, such as a login.
  const affinity = x.ctx.policy.affinity;
  const cookie =
    affinity === undefined || sharedCacheable(out['cache-control']) ? null : affinity(x.input, a.b);
  if (cookie !== null) {
    const prev = out['set-cookie'];
    out['set-cookie'] = prev === undefined ? [cookie] : [...(prev as string[]), cookie];
  }
  c.bytesOut += headBytes(13 + (ures.statusMessage?.length ?? 0), ures.rawHeaders);
  if (x.clientGone) {
    ures.resume();
    return;
  }
  x.res.writeHead(status, ures.statusMessage, out);
  a.ures = ures;
  (ures as unknown as WithAttempt)[kAttempt] = a;
  // Streams the body by hand rather than with pipe(), which sets up and tears down seven
  // listeners per response; back-pressure is kept the same way.
  ures.on('data', onBodyData);
  ures.once('end', onBodyEnd);
  ures.once('error', onBodyError);
  ures.once('aborted', onBodyError);
}

function onBodyData(this: IncomingMessage, chunk: Buffer): void {
  const a = attemptOf(this);
  a.c.bytesOut += chunk.length;
  if (!a.x.res.write(chunk)) {
    this.pause();
    a.x.res.once('drain', onClientDrain);
  }
}

function onClientDrain(this: ServerResponse): void {
  (this as unknown as WithExchange)[kExchange].current?.ures?.resume();
}

function onBodyEnd(this: IncomingMessage): void {
  attemptOf(this).x.res.end();
}

function onBodyError(this: IncomingMessage): void {
  attemptOf(this).cut();
}

function onUpstreamError(this: ClientRequest, err: NodeJS.ErrnoException): void {
  const a = attemptOf(this);
  const { x, b, c } = a;
  const { ctx } = x;
  a.done();
  if (x.clientGone) return;
  if (a.responded) {
    a.cut();
    return;
  }
  c.errors++;
  const code = err.code ?? '';
  const neverSent = !a.connected && NOT_CONNECTED.has(code);
  if (neverSent) ctx.pool.eject(b, code === 'ECONNREFUSED' ? 'connection refused' : code.toLowerCase());
  const another = ctx.pool.healthy().some((o) => o !== b);
  if (a.n === 0 && another && (neverSent || x.retryable)) {
    c.retries++;
    attempt(x, 1, b);
    return;
  }
  fail(ctx, x.res, a.timedOut ? 'GATEWAY_TIMEOUT' : 'BAD_GATEWAY');
}

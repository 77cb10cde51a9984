/**
 * WebSocket proxying: the upgrade request goes to an instance picked by the same policy (so a
 * sticky client's socket lands where its session lives), the instance's `101` is relayed, and
 * from then on bytes are piped both ways untouched. An instance that refuses the upgrade (401,
 * 404…) has its answer relayed as is. A connection that cannot be made is tried once on another
 * instance (an upgrade is a GET); otherwise the client gets a 502.
 */
import { type IncomingMessage, request } from 'node:http';
import type { Socket } from 'node:net';
import { headBytes, type UnroutedCounters } from './counters.js';
import { writeBalancerError } from './errors.js';
import { requestHeaders } from './headers.js';
import type { Policy } from './policies/types.js';
import type { Backend, Pool } from './pool.js';

export interface UpgradeContext {
  pool: Pool;
  policy: Policy;
  unrouted: UnroutedCounters;
  connectMs: number;
  /** Open client sockets, so that closing the balancer can end them. */
  sockets: Set<Socket>;
}

/** `HTTP/1.1 <status> <message>` and the given raw headers, as one string. */
function head(status: number, message: string, raw: readonly string[], extra: string | null): string {
  let s = `HTTP/1.1 ${status} ${message}\r\n`;
  for (let i = 0; i < raw.length; i += 2) s += `${raw[i]}: ${raw[i + 1]}\r\n`;
  if (extra !== null) s += `Set-Cookie: ${extra}\r\n`;
  return `${s}\r\n`;
}

export function proxyUpgrade(
  ctx: UpgradeContext,
  req: IncomingMessage,
  socket: Socket,
  clientHead: Buffer,
): void {
  socket.on('error', () => socket.destroy());
  const address = req.socket.remoteAddress ?? '';
  const input = { cookie: req.headers.cookie, address };
  const headers = requestHeaders(req.headers, address);
  // The upgrade itself is hop-by-hop, so it is restated for this hop.
  headers.connection = 'Upgrade';
  headers.upgrade = req.headers.upgrade;

  const attempt = (tried: Backend | null): void => {
    const healthy = ctx.pool.healthy();
    const pool = tried === null ? healthy : healthy.filter((b) => b !== tried);
    const b = pool.length === 0 ? undefined : ctx.policy.pick(input, pool);
    if (b === undefined) {
      if (tried === null) ctx.unrouted.noBackend++;
      else ctx.unrouted.badGateway++;
      writeBalancerError(socket, tried === null ? 'NO_BACKEND' : 'BAD_GATEWAY');
      return;
    }
    const c = b.counters;
    c.requests++;
    c.bytesIn += headBytes((req.method?.length ?? 3) + (req.url?.length ?? 1) + 10, req.rawHeaders);
    let connected = false;
    // Upgraded sockets leave the agent's pool, so they get a connection of their own.
    const up = request({
      host: b.host,
      port: b.port,
      method: req.method,
      path: req.url,
      headers,
      agent: false,
    });
    const timer = setTimeout(() => {
      if (!connected) up.destroy(Object.assign(new Error('connect timeout'), { code: 'ECONNTIMEOUT' }));
    }, ctx.connectMs);
    up.once('socket', (s: Socket) => s.once('connect', () => (connected = true)));
    socket.once('close', () => up.destroy());

    up.once('upgrade', (ures, upstream, upstreamHead) => {
      clearTimeout(timer);
      c.status['1xx']++;
      c.websockets++;
      c.websocketsTotal++;
      ctx.sockets.add(socket);
      const text = head(
        101,
        ures.statusMessage ?? 'Switching Protocols',
        ures.rawHeaders,
        ctx.policy.affinity?.(input, b) ?? null,
      );
      c.bytesOut += text.length;
      socket.write(text);
      if (upstreamHead.length > 0) socket.write(upstreamHead);
      if (clientHead.length > 0) upstream.write(clientHead);
      let closed = false;
      const close = () => {
        if (closed) return;
        closed = true;
        c.websockets--;
        ctx.sockets.delete(socket);
        socket.destroy();
        upstream.destroy();
      };
      upstream.on('data', (d: Buffer) => {
        c.bytesOut += d.length;
      });
      socket.on('data', (d: Buffer) => {
        c.bytesIn += d.length;
      });
      upstream.on('error', close);
      socket.on('error', close);
      upstream.once('close', close);
      socket.once('close', close);
      upstream.pipe(socket);
      socket.pipe(upstream);
    });

    up.once('response', (ures) => {
      // The instance answered without upgrading: relay its answer and close.
      clearTimeout(timer);
      c.status[ures.statusCode! >= 500 ? '5xx' : ures.statusCode! >= 400 ? '4xx' : '2xx']++;
      const raw: string[] = [];
      for (let i = 0; i < ures.rawHeaders.length; i += 2) {
        const k = ures.rawHeaders[i]!.toLowerCase();
        if (k === 'connection' || k === 'keep-alive' || k === 'transfer-encoding') continue;
        raw.push(ures.rawHeaders[i]!, ures.rawHeaders[i + 1]!);
      }
      raw.push('Connection', 'close');
      socket.write(head(ures.statusCode ?? 502, ures.statusMessage ?? '', raw, null));
      ures.pipe(socket);
    });

    up.once('error', (err: NodeJS.ErrnoException) => {
      clearTimeout(timer);
      if (!socket.writable) return;
      c.errors++;
      if (!connected) {
        if (err.code === 'ECONNREFUSED') ctx.pool.eject(b, 'connection refused');
        if (tried === null && ctx.pool.healthy().some((x) => x !== b)) {
          c.retries++;
          attempt(b);
          return;
        }
      }
      ctx.unrouted.badGateway++;
      writeBalancerError(socket, 'BAD_GATEWAY');
    });
    up.end();
  };

  attempt(null);
}

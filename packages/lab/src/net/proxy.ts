/**
 * A TCP fault proxy (node:net): it listens on 127.0.0.1, opens one connection to its target per
 * client, and carries bytes both ways through two lanes that add delay, jitter and a bandwidth
 * cap. Its settings change while it runs: a delay applies to bytes that arrive from then on,
 * `reset` cuts every connection with a TCP RST (and every new one until it is lifted),
 * `blackhole` holds bytes until it is lifted. One scheduler per proxy serves every lane.
 */
import { createServer, type Server, type Socket, connect as tcpConnect } from 'node:net';
import { listen } from '../cluster/ports.js';
import { Lane, type LaneStats } from './lane.js';
import { Scheduler } from './scheduler.js';
import { applyChange, type LinkSettings, OPEN_LINK } from './settings.js';

export interface ProxyTarget {
  host: string;
  port: number;
}

export interface ProxyOptions {
  target: ProxyTarget;
  /** @default 0 (a free port) */
  port?: number;
  settings?: Partial<LinkSettings>;
}

/** A proxy's state, as the control API and the live dashboard show it. */
export interface ProxyState {
  listen: number;
  target: ProxyTarget;
  settings: LinkSettings;
  connections: number;
  /** Towards the target (`up`) and back (`down`). */
  up: LaneFigures;
  down: LaneFigures;
}

export interface LaneFigures {
  bytes: number;
  chunks: number;
  /** Total time chunks were held, in ms (differences of two readings give a window's mean). */
  heldMs: number;
  /** Mean time a chunk was held, in ms: what the link really added one way. */
  meanHeldMs: number | null;
}

export interface FaultProxy {
  readonly port: number;
  readonly target: ProxyTarget;
  settings(): LinkSettings;
  /** Applies a partial change; throws `LinkSettingsError` on a bad one. */
  set(change: unknown): LinkSettings;
  state(): ProxyState;
  close(): Promise<void>;
}

interface Pair {
  client: Socket;
  upstream: Socket;
  lanes: [Lane, Lane];
}

const figures = (s: LaneStats): LaneFigures => ({
  bytes: s.bytes,
  chunks: s.chunks,
  heldMs: s.heldMs,
  meanHeldMs: s.chunks > 0 ? s.heldMs / s.chunks : null,
});

/**
 * @example
 * const p = await startFaultProxy({ target: { host: '127.0.0.1', port: 6379 }, settings: { rttMs: 0.5 } });
 * // connect to 127.0.0.1:p.port instead of 6379
 * p.set({ fault: 'blackhole' });
 */
export async function startFaultProxy(o: ProxyOptions): Promise<FaultProxy> {
  let current: LinkSettings = applyChange(OPEN_LINK, o.settings ?? {});
  const scheduler = new Scheduler();
  const pairs = new Set<Pair>();
  const up: LaneStats = { bytes: 0, chunks: 0, heldMs: 0 };
  const down: LaneStats = { bytes: 0, chunks: 0, heldMs: 0 };
  const settings = () => current;

  const drop = (p: Pair, reset: boolean) => {
    if (!pairs.delete(p)) return;
    for (const lane of p.lanes) lane.kill();
    for (const s of [p.client, p.upstream]) {
      if (reset && !s.destroyed) s.resetAndDestroy();
      else s.destroy();
    }
  };

  // Half-open: a client's FIN travels through its lane after the bytes ahead of it, and the
  // answer still on its way back is not cut off.
  const server: Server = createServer({ allowHalfOpen: true }, (client) => {
    if (current.fault === 'reset') {
      client.on('error', () => {});
      client.resetAndDestroy();
      return;
    }
    client.setNoDelay(true);
    const upstream = tcpConnect({
      host: o.target.host,
      port: o.target.port,
      noDelay: true,
      allowHalfOpen: true,
    });
    const p: Pair = {
      client,
      upstream,
      lanes: [
        new Lane(client, upstream, settings, scheduler, up),
        new Lane(upstream, client, settings, scheduler, down),
      ],
    };
    pairs.add(p);
    // Either side failing or closing ends the pair; a refused target resets the client, as a
    // dead port would.
    upstream.on('error', () => drop(p, true));
    client.on('error', () => drop(p, false));
    upstream.on('close', () => drop(p, false));
    client.on('close', () => drop(p, false));
  });

  const port = await listen(server, o.port);

  return {
    port,
    target: { ...o.target },
    settings,
    set(change) {
      current = applyChange(current, change);
      if (current.fault === 'reset') for (const p of [...pairs]) drop(p, true);
      else for (const p of pairs) for (const lane of p.lanes) lane.kick();
      return current;
    },
    state() {
      return {
        listen: port,
        target: { ...o.target },
        settings: { ...current },
        connections: pairs.size,
        up: figures(up),
        down: figures(down),
      };
    },
    async close() {
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      for (const p of [...pairs]) drop(p, false);
      await closed;
      await scheduler.close();
    },
  };
}

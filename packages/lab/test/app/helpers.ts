/**
 * Test helpers for the reference app: a client with a one-cookie jar over fetch, and a mode
 * fixture that starts app instances in this process the way the supervisor would start them as
 * processes (sticky: memory of its own; shared and hybrid: one SQLite file, a connection per
 * instance; stateless: nothing but the shared secret), all on one in-process bus hub.
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { createSessions, type Store } from 'statecraft';
import { type Bus, memoryBus, memoryHub } from 'statecraft/bus/memory';
import { memoryStore } from 'statecraft/stores/memory';
import { sqliteStore } from 'statecraft/stores/sqlite';
import { type AppServer, createApp } from '../../src/app/app.js';
import { type Mode, modeStrategy, storeRole } from '../../src/app/modes.js';
import type { ShopData } from '../../src/app/shop.js';

export const repoRoot = resolve(import.meta.dirname, '../../../..');
/** How a test runs a TypeScript entry point: the library from source, TypeScript through tsx. */
export const sourceExecArgv = ['--conditions=statecraft-source', '--import', 'tsx'];

export interface Reply<T = unknown> {
  status: number;
  headers: Headers;
  body: T;
}

/** One browser: keeps the session cookie the app sets, sends it back. */
export class Client {
  cookie = '';
  constructor(public base: string) {}

  async call<T = Record<string, unknown>>(
    method: string,
    path: string,
    o: { json?: unknown; body?: string; headers?: Record<string, string>; keepCookie?: boolean } = {},
  ): Promise<Reply<T>> {
    const headers: Record<string, string> = { ...o.headers };
    let body: string | undefined = o.body;
    if (o.json !== undefined) {
      body = JSON.stringify(o.json);
      headers['content-type'] ??= 'application/json';
    }
    if (this.cookie) headers.cookie = this.cookie;
    const res = await fetch(this.base + path, { method, headers, body });
    if (o.keepCookie !== false) this.take(res.headers);
    const text = await res.text();
    return { status: res.status, headers: res.headers, body: (text ? JSON.parse(text) : null) as T };
  }

  /** Adopts the cookie a response set (or cleared). */
  take(headers: Headers): void {
    for (const c of headers.getSetCookie()) {
      const pair = c.split(';', 1)[0]!;
      this.cookie = pair.endsWith('=') ? '' : pair;
    }
  }

  /** A second browser holding a copy of this one's cookie (a stolen or replayed credential). */
  copy(): Client {
    const c = new Client(this.base);
    c.cookie = this.cookie;
    return c;
  }

  async login(user: string): Promise<this> {
    const r = await this.call('POST', '/login', { json: { user } });
    if (r.status !== 200) throw new Error(`login failed: ${r.status}`);
    return this;
  }
}

export interface RunningApp {
  server: AppServer;
  url: string;
  port: number;
  bus: Bus;
  /** Stops the app, then its session manager (and store) and bus. */
  stop(): Promise<void>;
}

/** Instances of one mode sharing what that mode shares. */
export interface ModeFixture {
  mode: Mode;
  dir: string;
  secret: Buffer;
  start(instanceId: string, options?: { eagerSessions?: boolean }): Promise<RunningApp>;
  /** Stops every instance still running and removes the files. */
  close(): Promise<void>;
}

export function modeFixture(mode: Mode): ModeFixture {
  const dir = mkdtempSync(join(tmpdir(), `statecraft-app-${mode}-`));
  const secret = randomBytes(32);
  const hub = memoryHub();
  const running = new Set<RunningApp>();
  const storeFor = (): Store | undefined => {
    const role = storeRole(mode);
    if (role === 'memory') return memoryStore();
    if (role === 'shared') return sqliteStore({ path: join(dir, 'sessions.db') });
    return undefined;
  };
  return {
    mode,
    dir,
    secret,
    async start(instanceId, options = {}) {
      const bus = memoryBus({ hub });
      const sessions = createSessions<ShopData>(modeStrategy(mode, { store: storeFor(), secret }), { bus });
      const server = createApp({ mode, sessions, bus, instanceId, log: () => {}, ...options });
      await server.app.ready();
      await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
      const port = (server.address() as AddressInfo).port;
      let stopped = false;
      const app: RunningApp = {
        server,
        url: `http://127.0.0.1:${port}`,
        port,
        bus,
        async stop() {
          if (stopped) return;
          stopped = true;
          running.delete(app);
          await server.app.close();
          await sessions.close();
          await bus.close();
        },
      };
      running.add(app);
      return app;
    },
    async close() {
      for (const app of [...running]) await app.stop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** Resolves when `check` returns true, polling every 10 ms; rejects after `ms`. */
export async function eventually(check: () => boolean, ms = 5000, what = 'condition'): Promise<void> {
  const end = Date.now() + ms;
  while (!check()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

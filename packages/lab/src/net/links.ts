/**
 * The network of one cluster: the `store` link (one proxy between every instance and the store;
 * the instances get the proxy's address in their store URL) and the `instances` link (one proxy
 * per instance between the balancer and it; the balancer gets the proxies' ports). Each link has
 * one setting for all its proxies, changed at run time through the control API.
 */
import type { BackendSpec } from '../cluster/types.js';
import type { ProxyState } from './proxy.js';
import { ProxyHost, type RemoteProxy } from './remote.js';
import { applyChange, type LinkSettings, OPEN_LINK } from './settings.js';

export type LinkName = 'store' | 'instances';
export const LINK_NAMES: readonly LinkName[] = ['store', 'instances'];

/** Which links a cluster gets, with their settings at start. */
export type NetOptions = Partial<Record<LinkName, Partial<LinkSettings>>>;

/** A link as the control API and the live dashboard show it. */
export interface LinkState {
  name: LinkName;
  settings: LinkSettings;
  /** The current one-way delay, half the RTT, in ms (what the dashboard shows per lane). */
  oneWayMs: number;
  /** By proxy: `store`, or the instance id. */
  proxies: Record<string, ProxyState>;
}

/** The store link needs a store reached over TCP. */
export class NetLinkError extends Error {
  override readonly name = 'NetLinkError';
  readonly code = 'NET_NO_STORE_LINK';
}

const DEFAULT_PORTS: Record<string, number> = {
  'redis:': 6379,
  'rediss:': 6379,
  'postgres:': 5432,
  'postgresql:': 5432,
};

/** Host and port of a networked store URL, or null (sqlite, memory). */
export function storeAddress(url: string): { host: string; port: number } | null {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    return null;
  }
  const port = u.port ? Number(u.port) : DEFAULT_PORTS[u.protocol];
  if (port === undefined || u.hostname === '') return null;
  return { host: u.hostname.replace(/^\[|\]$/g, ''), port };
}

interface Slot {
  target: { host: string; port: number };
  proxy: Promise<RemoteProxy>;
}

export class NetLinks {
  readonly #settings = new Map<LinkName, LinkSettings>();
  readonly #proxies = new Map<LinkName, Map<string, Slot>>();
  // The proxies run in a child process of their own (see host.ts), started on first use.
  readonly #host = new ProxyHost();

  constructor(options: NetOptions) {
    for (const name of LINK_NAMES) {
      const s = options[name];
      if (s) {
        this.#settings.set(name, applyChange(OPEN_LINK, s));
        this.#proxies.set(name, new Map());
      }
    }
  }

  has(name: LinkName): boolean {
    return this.#settings.has(name);
  }

  /** The store URL the instances get: the same URL through the store link's proxy. */
  async storeUrl(url: string): Promise<string> {
    if (!this.has('store')) return url;
    const target = storeAddress(url);
    if (target === null) {
      throw new NetLinkError(
        'the store link needs a store reached over TCP (redis://… or postgres://…); SQLite runs inside each instance',
      );
    }
    const proxy = await this.#proxy('store', 'store', target);
    const u = new URL(url);
    u.hostname = '127.0.0.1';
    u.port = String(proxy.port);
    return u.href;
  }

  /** The balancer's backends, each through its own proxy when the instances link is on. */
  async backends(list: readonly BackendSpec[]): Promise<BackendSpec[]> {
    if (!this.has('instances')) return [...list];
    return Promise.all(
      list.map(async (b) => {
        const p = await this.#proxy('instances', b.id, { host: b.host ?? '127.0.0.1', port: b.port });
        return { id: b.id, port: p.port, host: '127.0.0.1' };
      }),
    );
  }

  /** Changes a link's settings for every one of its proxies; throws `LinkSettingsError`. */
  async set(name: LinkName, change: unknown): Promise<LinkState> {
    const s = this.#settings.get(name);
    if (!s) throw new NetLinkError(`the ${name} link is not on in this cluster`);
    const next = applyChange(s, change);
    this.#settings.set(name, next);
    await Promise.all(
      [...this.#proxies.get(name)!.values()].map(async (slot) => (await slot.proxy).set(next)),
    );
    return (await this.state(name))!;
  }

  async state(name: LinkName): Promise<LinkState | null> {
    const s = this.#settings.get(name);
    if (!s) return null;
    const slots = [...this.#proxies.get(name)!];
    const proxies = await Promise.all(
      slots.map(async ([id, slot]) => [id, await (await slot.proxy).state()] as const),
    );
    return { name, settings: { ...s }, oneWayMs: s.rttMs / 2, proxies: Object.fromEntries(proxies) };
  }

  /**
   * The current settings of every link that is on, read synchronously: cheap enough for a live
   * display every second (the dashboard shows each lane's delay from it).
   */
  current(): Partial<Record<LinkName, LinkSettings>> {
    return Object.fromEntries([...this.#settings].map(([n, s]) => [n, { ...s }]));
  }

  /** Every link that is on. */
  async states(): Promise<LinkState[]> {
    const all = await Promise.all(LINK_NAMES.map((n) => this.state(n)));
    return all.filter((s): s is LinkState => s !== null);
  }

  async close(): Promise<void> {
    const all = [...this.#proxies.values()].flatMap((m) => [...m.values()]);
    for (const m of this.#proxies.values()) m.clear();
    await Promise.all(all.map(async (slot) => (await slot.proxy.catch(() => null))?.close().catch(() => {})));
    await this.#host.close();
  }

  #proxy(name: LinkName, id: string, target: { host: string; port: number }): Promise<RemoteProxy> {
    const map = this.#proxies.get(name)!;
    const known = map.get(id);
    if (known && known.target.port === target.port && known.target.host === target.host) {
      return known.proxy;
    }
    // The promise is kept, not the proxy: two calls at once (the balancer follows every state
    // change) share one proxy.
    const proxy = this.#host.start(target, this.#settings.get(name)!);
    map.set(id, { target, proxy });
    void known?.proxy.then((p) => p.close());
    return proxy;
  }
}

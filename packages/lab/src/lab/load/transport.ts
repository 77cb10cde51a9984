/**
 * The connections the generator sends over, with the policy stated, because it changes what is
 * measured: `keep-alive` shares a pool of N persistent connections per target among all users
 * (cheap, but behind a connection-level balancer it pins traffic to the instances the N
 * connections landed on); `new-connection-per-user` gives each virtual user a connection of its
 * own, opened at its first request (as browsers do, so a balancer sees one connection per user).
 * Both use one request at a time per connection (no pipelining).
 */
import { Client, type Dispatcher, Pool } from 'undici';

export type ConnectionPolicy = 'keep-alive' | 'new-connection-per-user';

export interface TransportOptions {
  /** Base URLs (`http://127.0.0.1:8080`); user u goes to `targets[u % targets.length]`. */
  targets: readonly string[];
  policy: ConnectionPolicy;
  /** Connections per target with `keep-alive`. */
  connections: number;
  /** Connect, headers and body timeouts. */
  timeoutMs: number;
}

export class Transport {
  readonly policy: ConnectionPolicy;
  readonly #origins: string[];
  /** Bytes of the `host` and `connection` header lines undici writes, per target. */
  readonly #fixedBytes: number[];
  readonly #pools: Pool[] = [];
  readonly #clients: (Client | undefined)[] = [];
  readonly #options: TransportOptions;

  constructor(options: TransportOptions) {
    if (options.targets.length === 0) throw new RangeError('at least one target is needed');
    if (!Number.isInteger(options.connections) || options.connections < 1) {
      throw new RangeError(`connections must be an integer >= 1, got ${options.connections}`);
    }
    this.#options = options;
    this.policy = options.policy;
    this.#origins = options.targets.map((t) => {
      const url = new URL(t);
      if (url.protocol !== 'http:' && url.protocol !== 'https:')
        throw new RangeError(`not an http(s) URL: ${t}`);
      return url.origin;
    });
    // undici writes `host: <host[:port]>\r\n` and `connection: keep-alive\r\n` on every request.
    this.#fixedBytes = this.#origins.map((o) => `host: ${new URL(o).host}\r\n`.length + 24);
    if (options.policy === 'keep-alive') {
      for (const origin of this.#origins)
        this.#pools.push(new Pool(origin, this.#clientOptions(options.connections)));
    } else if (options.policy !== 'new-connection-per-user') {
      throw new RangeError(`unknown connection policy: ${String(options.policy)}`);
    }
  }

  #clientOptions(connections: number): Pool.Options {
    const t = this.#options.timeoutMs;
    return {
      connections,
      pipelining: 1,
      connectTimeout: t,
      headersTimeout: t,
      bodyTimeout: t,
      keepAliveTimeout: 60_000,
      keepAliveMaxTimeout: 600_000,
    };
  }

  /** Header bytes undici adds to a request of `user` (host, connection). */
  fixedHeaderBytes(user: number): number {
    return this.#fixedBytes[user % this.#fixedBytes.length]!;
  }

  /** Sends a request for `user`; the handler hears everything that follows. */
  dispatch(user: number, opts: Dispatcher.DispatchOptions, handler: Dispatcher.DispatchHandler): void {
    if (this.policy === 'keep-alive') {
      this.#pools[user % this.#pools.length]!.dispatch(opts, handler);
      return;
    }
    let client = this.#clients[user];
    if (client === undefined) {
      while (this.#clients.length < user) this.#clients.push(undefined);
      const { connections: _one, ...options } = this.#clientOptions(1);
      client = this.#clients[user] = new Client(this.#origins[user % this.#origins.length]!, options);
    }
    client.dispatch(opts, handler);
  }

  /** Connections opened so far (pools count their configured size). */
  get connections(): number {
    if (this.policy === 'keep-alive') return this.#pools.length * this.#options.connections;
    let n = 0;
    for (const c of this.#clients) if (c !== undefined) n++;
    return n;
  }

  /** Ends every connection; requests still pending fail. */
  async destroy(): Promise<void> {
    const all: Dispatcher[] = [...this.#pools, ...this.#clients.filter((c): c is Client => c !== undefined)];
    await Promise.all(all.map((d) => d.destroy().catch(() => {})));
  }

  /** Lets pending requests finish, then closes. */
  async close(): Promise<void> {
    const all: Dispatcher[] = [...this.#pools, ...this.#clients.filter((c): c is Client => c !== undefined)];
    await Promise.all(all.map((d) => d.close().catch(() => {})));
  }
}

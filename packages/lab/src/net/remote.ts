/**
 * The lab's side of the proxy host (`host.ts`): one child process per cluster, started on first
 * use, holding every proxy of that cluster's links. Each proxy is a handle whose calls travel
 * over IPC; a refused setting comes back as the same `LinkSettingsError` it would be in process.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { nodeCommand } from '../cluster/command.js';
import type { ProxyState, ProxyTarget } from './proxy.js';
import { type LinkSettings, LinkSettingsError } from './settings.js';

/** A proxy in the host process. */
export interface RemoteProxy {
  readonly port: number;
  readonly target: ProxyTarget;
  set(change: unknown): Promise<LinkSettings>;
  state(): Promise<ProxyState>;
  close(): Promise<void>;
}

interface Answer {
  id: number;
  ok: boolean;
  value?: unknown;
  error?: { code: string; message: string };
}

const fromSource = import.meta.url.endsWith('.ts');

export class ProxyHost {
  #child: ChildProcess | null = null;
  #seq = 0;
  readonly #waiting = new Map<number, { resolve(v: unknown): void; reject(e: Error): void }>();

  #process(): ChildProcess {
    if (this.#child) return this.#child;
    const entry = fileURLToPath(new URL(fromSource ? './host.ts' : './host.js', import.meta.url));
    const [cmd, ...args] = nodeCommand(entry);
    const child = spawn(cmd!, args, { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
    child.on('message', (a: Answer) => {
      const w = this.#waiting.get(a.id);
      if (!w) return;
      this.#waiting.delete(a.id);
      if (a.ok) w.resolve(a.value);
      else if (a.error?.code === 'NET_BAD_SETTINGS') w.reject(new LinkSettingsError(a.error.message));
      else
        w.reject(Object.assign(new Error(a.error?.message ?? 'proxy host failed'), { code: a.error?.code }));
    });
    child.on('exit', () => {
      this.#child = null;
      for (const w of this.#waiting.values()) w.reject(new Error('the proxy host exited'));
      this.#waiting.clear();
    });
    this.#child = child;
    return child;
  }

  #call(msg: Record<string, unknown>): Promise<unknown> {
    const child = this.#process();
    const id = ++this.#seq;
    return new Promise((resolve, reject) => {
      this.#waiting.set(id, { resolve, reject });
      child.send({ ...msg, id });
    });
  }

  /** Starts a proxy to `target` in the host; resolves once it listens. */
  async start(target: ProxyTarget, settings: LinkSettings): Promise<RemoteProxy> {
    const { proxy, port } = (await this.#call({ op: 'start', target, settings })) as {
      proxy: number;
      port: number;
    };
    return {
      port,
      target: { ...target },
      set: (change) => this.#call({ op: 'set', proxy, change }) as Promise<LinkSettings>,
      state: () => this.#call({ op: 'state', proxy }) as Promise<ProxyState>,
      close: async () => {
        await this.#call({ op: 'close', proxy });
      },
    };
  }

  /** Ends the host and every proxy in it. */
  async close(): Promise<void> {
    const child = this.#child;
    if (!child) return;
    const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
    child.disconnect();
    const timer = setTimeout(() => child.kill('SIGKILL'), 2000);
    await exited;
    clearTimeout(timer);
  }
}

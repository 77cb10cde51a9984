/**
 * What the cluster's tests share: the fixture app's argv, a client with a cookie jar (the
 * session cookie and the balancer's affinity cookie, as a browser keeps them), and waiting for
 * a condition or an event with a deadline.
 */
import { resolve } from 'node:path';
import { nodeCommand } from '../../src/cluster/command.js';
import type { EventSource } from '../../src/cluster/types.js';

/** argv of the fixture app (`fixtures/app.ts`). */
export const fixtureCommand = nodeCommand(resolve(import.meta.dirname, 'fixtures/app.ts'));

export interface Reply {
  status: number;
  /** `x-instance-id` of the instance that answered, or null (an answer of the balancer). */
  instance: string | null;
  headers: Headers;
  body: unknown;
}

/** A client that keeps cookies across requests, like a browser tab. */
export class Client {
  readonly jar = new Map<string, string>();
  constructor(readonly base: string) {}

  get cookie(): string {
    return [...this.jar].map(([k, v]) => `${k}=${v}`).join('; ');
  }

  async request(
    method: string,
    path: string,
    body?: unknown,
    headers: Record<string, string> = {},
  ): Promise<Reply> {
    const r = await fetch(this.base + path, {
      method,
      headers: {
        ...(this.jar.size > 0 ? { cookie: this.cookie } : {}),
        ...(body !== undefined ? { 'content-type': 'application/json' } : {}),
        ...headers,
      },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    for (const line of r.headers.getSetCookie()) {
      const [pair, ...attrs] = line.split(';');
      const eq = pair!.indexOf('=');
      const name = pair!.slice(0, eq).trim();
      const value = pair!.slice(eq + 1).trim();
      const gone = attrs.some((a) => /^\s*max-age=0\s*$/i.test(a)) || value === '';
      if (gone) this.jar.delete(name);
      else this.jar.set(name, value);
    }
    const text = await r.text();
    let parsed: unknown = text;
    try {
      parsed = JSON.parse(text);
    } catch {}
    return { status: r.status, instance: r.headers.get('x-instance-id'), headers: r.headers, body: parsed };
  }

  get = (path: string, headers?: Record<string, string>) => this.request('GET', path, undefined, headers);
  post = (path: string, body?: unknown, headers?: Record<string, string>) =>
    this.request('POST', path, body, headers);
}

/** Resolves once `check()` is true; rejects after `ms`. */
export async function waitFor(
  check: () => boolean | Promise<boolean>,
  ms = 5000,
  what = 'condition',
): Promise<void> {
  const deadline = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out after ${ms} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

/** The first event of `source` that `match` accepts, within `ms`. */
export function nextEvent<E>(source: EventSource<E>, match: (e: E) => boolean, ms = 5000): Promise<E> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      off();
      reject(new Error(`no matching event within ${ms} ms`));
    }, ms);
    const off = source.onEvent((e) => {
      if (!match(e)) return;
      clearTimeout(timer);
      off();
      resolve(e);
    });
  });
}

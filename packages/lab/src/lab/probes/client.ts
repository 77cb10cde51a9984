/**
 * A minimal browser-like client for the lab's probes: one cookie (the session) per client,
 * replaced by every `Set-Cookie` the way a browser would, and the instance that answered.
 */

export interface Answer {
  status: number;
  instance: string | null;
  body: Record<string, unknown> | null;
}

export class ProbeClient {
  private readonly jar = new Map<string, string>();

  constructor(readonly base: string) {}

  /** The Cookie header this client sends ('' when it holds none). */
  get cookie(): string {
    return [...this.jar.values()].join('; ');
  }

  /** A client holding the same cookies (a copied credential: the replays of claims C8 and C12). */
  clone(base = this.base): ProbeClient {
    const c = new ProbeClient(base);
    for (const [k, v] of this.jar) c.jar.set(k, v);
    return c;
  }

  async send(
    method: string,
    path: string,
    body?: unknown,
    headers: Record<string, string> = {},
  ): Promise<Answer> {
    const h: Record<string, string> = { ...headers };
    if (this.cookie) h.cookie = this.cookie;
    if (body !== undefined) h['content-type'] = 'application/json';
    const res = await fetch(this.base + path, {
      method,
      headers: h,
      body: body === undefined ? undefined : JSON.stringify(body),
      redirect: 'manual',
      signal: AbortSignal.timeout(5000),
    });
    for (const c of res.headers.getSetCookie()) {
      const pair = c.split(';')[0]!;
      // The session cookie of the contract is `sid`; the built-in balancer's affinity cookie is kept too.
      const [name] = pair.split('=');
      if (/(^|; )max-age=0(;|$)/i.test(c) || pair.endsWith('=')) this.jar.delete(name!);
      else this.jar.set(name!, pair);
    }
    const text = await res.text();
    let parsed: Record<string, unknown> | null = null;
    try {
      parsed = text ? (JSON.parse(text) as Record<string, unknown>) : null;
    } catch {
      parsed = null;
    }
    return { status: res.status, instance: res.headers.get('x-instance-id'), body: parsed };
  }
}

/** Cart items of a `/me` or `/cart` answer. */
export function cartOf(a: Answer): Array<{ sku: string; qty: number }> {
  const items = (a.body?.cart ?? a.body?.items) as Array<{ sku: string; qty: number }> | undefined;
  return Array.isArray(items) ? items : [];
}

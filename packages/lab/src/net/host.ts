/**
 * The proxy host: a child process that runs a cluster's fault proxies, driven over IPC by
 * `remote.ts`. Out of the lab's process, the proxies' timing does not wait on the load
 * generator's event loop, and their CPU does not count against the generator's own health.
 *
 * Requests: `{ id, op: 'start', target, settings }`, `{ id, op: 'set' | 'state' | 'close', proxy, change? }`;
 * answers: `{ id, ok: true, value }` or `{ id, ok: false, error: { code, message } }`.
 */
import { type FaultProxy, startFaultProxy } from './proxy.js';

interface Request {
  id: number;
  op: 'start' | 'set' | 'state' | 'close';
  proxy?: number;
  target?: { host: string; port: number };
  settings?: unknown;
  change?: unknown;
}

const proxies = new Map<number, FaultProxy>();
let next = 1;

function proxyOf(r: Request): FaultProxy {
  const p = proxies.get(r.proxy ?? -1);
  if (!p) throw Object.assign(new Error('no such proxy'), { code: 'NET_NO_PROXY' });
  return p;
}

async function handle(r: Request): Promise<unknown> {
  switch (r.op) {
    case 'start': {
      const p = await startFaultProxy({ target: r.target!, settings: (r.settings ?? {}) as object });
      const id = next++;
      proxies.set(id, p);
      return { proxy: id, port: p.port };
    }
    case 'set':
      return proxyOf(r).set(r.change);
    case 'state':
      return proxyOf(r).state();
    case 'close': {
      const p = proxyOf(r);
      proxies.delete(r.proxy!);
      await p.close();
      return null;
    }
  }
}

process.on('message', (r: Request) => {
  handle(r).then(
    (value) => process.send?.({ id: r.id, ok: true, value }),
    (e: unknown) => {
      const err = e as { code?: string; message?: string };
      process.send?.({
        id: r.id,
        ok: false,
        error: { code: err.code ?? 'NET_ERROR', message: err.message ?? 'failed' },
      });
    },
  );
});

// The lab owns this process: when the channel closes, the proxies go with it.
process.on('disconnect', () => {
  void Promise.all([...proxies.values()].map((p) => p.close())).finally(() => process.exit(0));
});

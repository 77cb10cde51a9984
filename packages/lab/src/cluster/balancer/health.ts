/**
 * Active health checks: `GET /readyz` on every backend every `intervalMs`, on a fresh
 * connection each time (a reused one could hide a dead listener). `fall` consecutive failures
 * eject a backend, `rise` consecutive passes take it back — HAProxy's `check inter rise fall`.
 */
import { probe } from '../instance.js';
import type { Pool } from './pool.js';

export interface HealthOptions {
  /** @default '/readyz' */
  path?: string;
  /** @default 250 */
  intervalMs?: number;
  /** A check with no answer within this time fails. @default 1000 */
  timeoutMs?: number;
  /** @default 1 */
  fall?: number;
  /** @default 1 */
  rise?: number;
}

export function startHealthChecks(pool: Pool, o: HealthOptions = {}): { stop(): void } {
  const path = o.path ?? '/readyz';
  const timeoutMs = o.timeoutMs ?? 1000;
  const fall = o.fall ?? 1;
  const rise = o.rise ?? 1;
  const timer = setInterval(() => {
    for (const b of pool.all()) {
      if (b.checking || b.removed) continue;
      b.checking = true;
      void probe(b.port, path, timeoutMs, b.host).then((status) => {
        b.checking = false;
        if (b.removed) return;
        if (status >= 200 && status < 400) {
          b.fails = 0;
          if (++b.passes >= rise) pool.restore(b);
        } else {
          b.passes = 0;
          if (++b.fails >= fall)
            pool.eject(b, status === 0 ? 'health check: no answer' : `health check: ${status}`);
        }
      });
    }
  }, o.intervalMs ?? 250);
  timer.unref();
  return { stop: () => clearInterval(timer) };
}

/**
 * What a running lab exposes while it runs: one live counter set per mode, served as
 * OpenMetrics text on `GET /metrics` (so Prometheus or a dashboard can watch a run), and the
 * same numbers for the terminal's progress line.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { LoadGenerator } from './load/index.js';
import type { Mode } from './model.js';
import {
  type LiveModeCounters,
  liveFamilies,
  OPENMETRICS_CONTENT_TYPE,
  renderOpenMetrics,
} from './report/openmetrics.js';

export class LiveCounters {
  readonly #modes = new Map<Mode, LiveModeCounters>();
  readonly #generators = new Map<Mode, LoadGenerator>();

  /** Follows `gen` as `mode`'s load; its last figures stay once it is done. */
  track(mode: Mode, gen: LoadGenerator): void {
    this.#generators.set(mode, gen);
  }

  /** Stops following the mode's generator, keeping its final figures. */
  settle(mode: Mode): void {
    this.#refresh();
    this.#generators.delete(mode);
  }

  #refresh(): void {
    for (const [mode, gen] of this.#generators) this.#modes.set(mode, { mode, ...gen.live() });
  }

  snapshot(): LiveModeCounters[] {
    this.#refresh();
    return [...this.#modes.values()];
  }

  /** OpenMetrics text of every mode so far. */
  openMetrics(): string {
    return renderOpenMetrics(liveFamilies(this.snapshot()));
  }
}

/** Serves `GET /metrics` on 127.0.0.1:`port` (0: a free port); resolves its URL and a close function. */
export async function serveMetrics(
  live: LiveCounters,
  port: number,
): Promise<{ url: string; server: Server }> {
  const server = createServer((req, res) => {
    if (req.method === 'GET' && req.url === '/metrics') {
      res.writeHead(200, { 'content-type': OPENMETRICS_CONTENT_TYPE, 'cache-control': 'no-store' });
      res.end(live.openMetrics());
      return;
    }
    res.writeHead(404, { 'content-type': 'text/plain' }).end('not found\n');
  });
  await new Promise<void>((r) => server.listen(port, '127.0.0.1', r));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/metrics`, server };
}

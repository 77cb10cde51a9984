/**
 * Runs callbacks at precise times from one ticker. The proxy's lanes register only the chunk at
 * the head of their queue, so the heap holds one entry per busy lane, never one per chunk, and
 * a burst of thousands of chunks costs one wake-up per distinct due time.
 */
import { preciseNow, startTicker, type Ticker } from './ticker.js';

interface Entry {
  at: number;
  seq: number;
  run: () => void;
}

// Entries this close to due run in the same wake-up: waking again for 20 µs costs more.
const SLACK_MS = 0.02;

export class Scheduler {
  readonly #heap: Entry[] = [];
  #seq = 0;
  #ticker: Ticker | null = null;
  #nextAt = Number.POSITIVE_INFINITY;

  /** Runs `run` at `at` (a `preciseNow()` time); at once when that time has passed. */
  at(at: number, run: () => void): void {
    this.#push({ at, seq: this.#seq++, run });
    if (at < this.#nextAt) this.#arm(at);
  }

  /** Entries waiting to run. */
  get size(): number {
    return this.#heap.length;
  }

  async close(): Promise<void> {
    this.#heap.length = 0;
    const t = this.#ticker;
    this.#ticker = null;
    await t?.close();
  }

  #arm(at: number): void {
    this.#nextAt = at;
    this.#ticker ??= startTicker(() => this.#tick());
    this.#ticker.arm(at);
  }

  #tick(): void {
    this.#nextAt = Number.POSITIVE_INFINITY;
    const limit = preciseNow() + SLACK_MS;
    while (this.#heap.length > 0 && this.#heap[0]!.at <= limit) this.#pop().run();
    const next = this.#heap[0];
    if (next) this.#arm(next.at);
  }

  #less(a: Entry, b: Entry): boolean {
    return a.at < b.at || (a.at === b.at && a.seq < b.seq);
  }

  #push(e: Entry): void {
    const h = this.#heap;
    h.push(e);
    let i = h.length - 1;
    while (i > 0) {
      const p = (i - 1) >> 1;
      if (!this.#less(h[i]!, h[p]!)) break;
      [h[i], h[p]] = [h[p]!, h[i]!];
      i = p;
    }
  }

  #pop(): Entry {
    const h = this.#heap;
    const top = h[0]!;
    const last = h.pop()!;
    if (h.length > 0) {
      h[0] = last;
      let i = 0;
      for (;;) {
        const l = 2 * i + 1;
        const r = l + 1;
        let m = i;
        if (l < h.length && this.#less(h[l]!, h[m]!)) m = l;
        if (r < h.length && this.#less(h[r]!, h[m]!)) m = r;
        if (m === i) break;
        [h[i], h[m]] = [h[m]!, h[i]!];
        i = m;
      }
    }
    return top;
  }
}

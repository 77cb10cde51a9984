/**
 * What a link does to the bytes that cross it, as data: the control API reads and writes it as
 * JSON, the CLI builds it from flags. `rttMs` is the round-trip time the link adds: half of it
 * on the way there, half on the way back, so a request and its answer pay exactly `rttMs` more.
 * Jitter adds to each chunk a uniform random extra delay in [0, jitterMs] per direction, never
 * reordering bytes (a chunk never leaves before the one ahead of it).
 */

/** `pass` forwards; `reset` cuts every connection with a TCP RST and refuses new ones; `blackhole` accepts and swallows. */
export type LinkFault = 'pass' | 'reset' | 'blackhole';

export interface LinkSettings {
  /** Round-trip time added, in milliseconds (half each way). */
  rttMs: number;
  /** Extra random delay per chunk and direction, uniform in [0, jitterMs]. */
  jitterMs: number;
  /** Bytes per second each direction may carry, or null for no cap. */
  bandwidthBytesPerSec: number | null;
  fault: LinkFault;
}

export const OPEN_LINK: Readonly<LinkSettings> = Object.freeze({
  rttMs: 0,
  jitterMs: 0,
  bandwidthBytesPerSec: null,
  fault: 'pass',
});

/** Settings that were refused; `code` is stable (docs/errors.md). */
export class LinkSettingsError extends Error {
  override readonly name = 'LinkSettingsError';
  readonly code = 'NET_BAD_SETTINGS';
}

const MAX_DELAY_MS = 60_000;
const FAULTS: readonly LinkFault[] = ['pass', 'reset', 'blackhole'];

/**
 * A duration in milliseconds from `0.5`, `0.5ms`, `500us`, `500µs` or `1s`.
 *
 * @example
 * parseMillis('0.5ms') // 0.5
 * parseMillis('250us') // 0.25
 */
export function parseMillis(text: string, what = 'delay'): number {
  const m = /^\s*(\d+(?:\.\d+)?)\s*(ms|us|µs|s)?\s*$/.exec(text);
  if (!m) throw new LinkSettingsError(`${what}: expected a duration such as 0.5, 0.5ms, 250us or 1s`);
  const n = Number(m[1]);
  const ms = m[2] === 's' ? n * 1000 : m[2] === 'us' || m[2] === 'µs' ? n / 1000 : n;
  if (ms > MAX_DELAY_MS) throw new LinkSettingsError(`${what}: at most ${MAX_DELAY_MS} ms`);
  return ms;
}

function delay(v: unknown, what: string): number {
  if (typeof v === 'string') return parseMillis(v, what);
  if (typeof v !== 'number' || !Number.isFinite(v) || v < 0 || v > MAX_DELAY_MS) {
    throw new LinkSettingsError(`${what}: a number of milliseconds from 0 to ${MAX_DELAY_MS}`);
  }
  return v;
}

/**
 * Applies a partial change (from JSON) to `current`; unknown fields and bad values are refused.
 *
 * @example
 * applyChange(OPEN_LINK, { rttMs: '0.5ms', fault: 'blackhole' })
 */
export function applyChange(current: LinkSettings, change: unknown): LinkSettings {
  if (typeof change !== 'object' || change === null || Array.isArray(change)) {
    throw new LinkSettingsError('expected a JSON object of link settings');
  }
  const next = { ...current };
  for (const [k, v] of Object.entries(change)) {
    switch (k) {
      case 'rttMs':
        next.rttMs = delay(v, 'rttMs');
        break;
      case 'jitterMs':
        next.jitterMs = delay(v, 'jitterMs');
        break;
      case 'bandwidthBytesPerSec':
        if (v !== null && (typeof v !== 'number' || !Number.isFinite(v) || v < 1)) {
          throw new LinkSettingsError('bandwidthBytesPerSec: null or a number of bytes per second ≥ 1');
        }
        next.bandwidthBytesPerSec = v;
        break;
      case 'fault':
        if (!FAULTS.includes(v as LinkFault))
          throw new LinkSettingsError(`fault: one of ${FAULTS.join(', ')}`);
        next.fault = v as LinkFault;
        break;
      default:
        throw new LinkSettingsError(`unknown setting ${JSON.stringify(k.slice(0, 40))}`);
    }
  }
  return next;
}

/** True when the link leaves bytes alone (no delay, no cap, no fault). */
export function isOpen(s: LinkSettings): boolean {
  return s.rttMs === 0 && s.jitterMs === 0 && s.bandwidthBytesPerSec === null && s.fault === 'pass';
}

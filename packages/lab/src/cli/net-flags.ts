/**
 * The lab's network flags: `--rtt 0.5ms` (round-trip time added, half each way), `--jitter`,
 * `--rtt-link store|instances|both` (default `store`) and `--sweep-rtt 0,0.25,1,4`. Without any
 * of them the run keeps direct connections (RTT 0, no proxy). The store link needs a store on
 * the network: with the embedded SQLite store the instances open a file, there is no link to
 * delay, and the flags are refused rather than silently measuring nothing.
 */

import type { NetConfig, RttLink } from '../lab/sweep-model.js';
import { parseMillis } from '../net/settings.js';

export interface NetFlagValues {
  rtt?: string;
  jitter?: string;
  'rtt-link'?: string;
  'sweep-rtt'?: string;
  store: string;
}

/** The `parseArgs` options of the flags. */
export const NET_FLAG_OPTIONS = {
  rtt: { type: 'string' },
  jitter: { type: 'string' },
  'rtt-link': { type: 'string' },
  'sweep-rtt': { type: 'string' },
} as const;

const LINKS: readonly RttLink[] = ['store', 'instances', 'both'];
const MAX_SWEEP_POINTS = 12;

/**
 * The run's `net` and `sweepRttMs` from the flags; `fail` makes the error to throw.
 *
 * @example
 * netFlags({ 'sweep-rtt': '0,0.5,2', store: 'redis://127.0.0.1:6379' }, (m) => new Error(m))
 * // { net: { rttMs: 0, jitterMs: 0, link: 'store' }, sweepRttMs: [0, 0.5, 2] }
 */
export function netFlags(
  v: NetFlagValues,
  fail: (message: string) => Error,
): { net?: NetConfig; sweepRttMs?: number[] } {
  const given = v.rtt !== undefined || v.jitter !== undefined || v['sweep-rtt'] !== undefined;
  if (!given) {
    if (v['rtt-link'] !== undefined) throw fail('--rtt-link needs --rtt or --sweep-rtt');
    return {};
  }
  const ms = (text: string, flag: string) => {
    try {
      return parseMillis(text, flag);
    } catch (e) {
      throw fail((e as Error).message);
    }
  };
  const link = (v['rtt-link'] ?? 'store') as RttLink;
  if (!LINKS.includes(link)) throw fail('--rtt-link is store, instances or both');
  if (link !== 'instances' && v.store === 'sqlite') {
    throw fail(
      `--rtt on the store link needs a store on the network (--store redis://… or postgres://…): SQLite runs inside each instance, with no link to delay. Use --rtt-link instances to delay the balancer's link instead.`,
    );
  }
  if (v.rtt !== undefined && v['sweep-rtt'] !== undefined)
    throw fail('--rtt and --sweep-rtt exclude each other');
  const net: NetConfig = {
    rttMs: v.rtt === undefined ? 0 : ms(v.rtt, '--rtt'),
    jitterMs: v.jitter === undefined ? 0 : ms(v.jitter, '--jitter'),
    link,
  };
  if (v['sweep-rtt'] === undefined) return { net };
  // Distinct values first: `0,0` is one point, and a sweep needs two to compare.
  const rtts = [...new Set(v['sweep-rtt'].split(',').map((x) => ms(x, '--sweep-rtt')))];
  if (rtts.length < 2 || rtts.length > MAX_SWEEP_POINTS) {
    throw fail(`--sweep-rtt takes 2 to ${MAX_SWEEP_POINTS} distinct round-trip times, e.g. 0,0.25,1,4`);
  }
  return { net, sweepRttMs: rtts.sort((a, b) => a - b) };
}

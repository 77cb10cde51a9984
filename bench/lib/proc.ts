/** CPU time of another process from Linux /proc: what a server spent, whatever else ran. */
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';

const TICK_US = 1e6 / (Number(spawnSync('getconf', ['CLK_TCK']).stdout?.toString().trim()) || 100);

/** utime + stime of `pid` so far, in µs; NaN when it cannot be read (gone, or not Linux). */
export function cpuTime(pid: number | undefined): number {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(f[11]) + Number(f[12])) * TICK_US;
  } catch {
    return Number.NaN;
  }
}

/** What a benchmark ran on: printed and stored with every figure, since only same-run ratios compare. */
import { availableParallelism, cpus, loadavg, totalmem } from 'node:os';

export interface Machine {
  cpus: number;
  model: string;
  memoryGiB: number;
  node: string;
  platform: string;
  arch: string;
  /** 1, 5 and 15-minute load averages when it was read. */
  loadAverage: [number, number, number];
}

export function describeMachine(): Machine {
  const [l1, l5, l15] = loadavg();
  const round1 = (x = 0) => Math.round(x * 100) / 100;
  return {
    cpus: availableParallelism(),
    model: cpus()[0]?.model.trim() ?? 'unknown CPU',
    memoryGiB: Math.round(totalmem() / 2 ** 30),
    node: process.version,
    platform: process.platform,
    arch: process.arch,
    loadAverage: [round1(l1), round1(l5), round1(l15)],
  };
}

/** One line for the console and the docs. */
export function machineLine(m: Machine): string {
  return (
    `${m.cpus} CPUs (${m.model}), ${m.memoryGiB} GiB, Node ${m.node}, ${m.platform}/${m.arch}; ` +
    `load average ${m.loadAverage.join(' ')} at the start (the machine is shared)`
  );
}

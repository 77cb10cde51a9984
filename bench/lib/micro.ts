/**
 * In-process micro-benchmarks: ops run in batches for rounds of fixed duration, the rounds of
 * the compared ops interleaved so a noisy neighbour slows them alike. Each round yields ops per
 * second of wall-clock time and ops per CPU-second of the whole process (thread-pool workers
 * included), the latter much less sensitive to other processes.
 */

export type Op = () => unknown;

export interface Rate {
  /** ops per second of wall-clock time */
  wall: number;
  /** ops per second of process CPU time, all threads */
  cpu: number;
}

/** Runs `op` for about `ms` milliseconds; awaits only when it returns a promise. */
export async function round(op: Op, ms: number): Promise<Rate> {
  let n = 0;
  const cpuStart = process.cpuUsage();
  const start = performance.now();
  const end = start + ms;
  let now = start;
  while (now < end) {
    // Batches keep the clock reads out of the measurement.
    for (let i = 0; i < 256; i++) {
      const r = op();
      if (r instanceof Promise) await r;
    }
    n += 256;
    now = performance.now();
  }
  const cpu = process.cpuUsage(cpuStart);
  return { wall: (n * 1000) / (now - start), cpu: (n * 1e6) / (cpu.user + cpu.system) };
}

/**
 * Rates of each op, round by round, after one warm-up round each (JIT, caches, thread pool).
 * Rounds alternate between the ops, so each round of one op can be set against the same round
 * of another.
 */
export async function measure(ops: readonly Op[], rounds: number, ms: number): Promise<Rate[][]> {
  for (const op of ops) await round(op, ms);
  const rates: Rate[][] = ops.map(() => []);
  for (let r = 0; r < rounds; r++) {
    for (const [i, op] of ops.entries()) rates[i]!.push(await round(op, ms));
  }
  return rates;
}

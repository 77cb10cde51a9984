/**
 * A wake-up call at a precise moment, below Node's one-millisecond timer resolution.
 *
 * `setTimeout` rounds to whole milliseconds against a cached loop clock, so a 0.25 ms delay
 * comes out anywhere between 1 and 2 ms: useless for a store that is "0.25 ms away". Spinning
 * on `setImmediate` would be exact but would burn a core that the instances need. Instead a
 * worker thread sleeps in `Atomics.wait` (whose timeout is fractional and honoured by the
 * kernel to microseconds) and posts one message when the moment comes. The main thread arms it
 * through shared memory: slot 0 counts arms (the worker fires at most once per arm), and the
 * due time is read on the monotonic clock (`process.hrtime`), which both threads share; each
 * thread's `performance.timeOrigin` is its own, and the two can disagree by milliseconds.
 */
import { Worker } from 'node:worker_threads';

// Plain JavaScript: the worker runs without the TypeScript loader.
const WORKER = `
const { parentPort, workerData } = require('node:worker_threads');
const ctl = new Int32Array(workerData, 0, 2);
const due = new Float64Array(workerData, 8, 1);
const now = () => Number(process.hrtime.bigint()) / 1e6;
let fired = 0;
for (;;) {
  const arm = Atomics.load(ctl, 0);
  if (arm < 0) break;
  if (arm === fired) {
    Atomics.wait(ctl, 0, arm);
    continue;
  }
  const wait = due[0] - now();
  if (wait > 0) {
    Atomics.wait(ctl, 0, arm, wait);
    continue;
  }
  fired = arm;
  parentPort.postMessage(arm);
}
`;

/** The proxy's clock: monotonic milliseconds with sub-millisecond precision, the same in every thread. */
export function preciseNow(): number {
  return Number(process.hrtime.bigint()) / 1e6;
}

export interface Ticker {
  /** Calls the ticker's callback once at `at` (a `preciseNow()` time), replacing any earlier arm. */
  arm(at: number): void;
  /** Forgets the pending arm. */
  disarm(): void;
  close(): Promise<void>;
}

/**
 * @example
 * const t = startTicker(() => console.log('now'));
 * t.arm(preciseNow() + 0.25);
 */
export function startTicker(onTick: () => void): Ticker {
  const shared = new SharedArrayBuffer(16);
  const ctl = new Int32Array(shared, 0, 2);
  const due = new Float64Array(shared, 8, 1);
  const worker = new Worker(WORKER, { eval: true, workerData: shared });
  // The worker sleeps most of the time; it must not keep the process alive on its own.
  worker.unref();
  let armed = 0;
  worker.on('message', (arm: number) => {
    if (arm === armed) onTick();
  });
  const bump = () => {
    // Arm numbers stay positive: negative means "stop".
    armed = armed >= 0x3fffffff ? 1 : armed + 1;
    Atomics.store(ctl, 0, armed);
    Atomics.notify(ctl, 0);
  };
  return {
    arm(at) {
      due[0] = at;
      bump();
    },
    disarm() {
      due[0] = Number.POSITIVE_INFINITY;
      bump();
    },
    async close() {
      Atomics.store(ctl, 0, -1);
      Atomics.notify(ctl, 0);
      await worker.terminate();
    },
  };
}

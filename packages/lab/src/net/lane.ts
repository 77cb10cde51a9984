/**
 * One direction of one proxied connection: chunks wait in a FIFO until their due time, and only
 * the head is registered with the scheduler. A chunk's due time is its arrival plus half the
 * RTT plus jitter, no earlier than the chunk ahead of it (bytes never overtake each other), and
 * with a bandwidth cap no earlier than the moment the link has finished sending it. A blackhole
 * holds chunks without losing them, as TCP would ride out a partition; the source is paused
 * while too much waits, so a stalled link cannot fill the lab's memory.
 */
import type { Socket } from 'node:net';
import type { Scheduler } from './scheduler.js';
import type { LinkSettings } from './settings.js';
import { isOpen } from './settings.js';
import { preciseNow } from './ticker.js';

/** What a lane adds to its proxy's figures. */
export interface LaneStats {
  bytes: number;
  chunks: number;
  /** Sum over delivered chunks of the time they were held, in ms. */
  heldMs: number;
}

interface Chunk {
  data: Buffer;
  arrived: number;
  due: number;
}

const HIGH_WATER = 1 << 20;
const LOW_WATER = 1 << 18;
const SLACK_MS = 0.02;

export class Lane {
  readonly #queue: Chunk[] = [];
  #head = 0;
  #queued = 0;
  #lastDue = 0;
  #linkFree = 0;
  #scheduled = false;
  #full = false;
  #blocked = false;
  #ended = false;
  #dead = false;

  constructor(
    private readonly src: Socket,
    private readonly dst: Socket,
    private readonly settings: () => LinkSettings,
    private readonly scheduler: Scheduler,
    private readonly stats: LaneStats,
  ) {
    src.on('data', (d: Buffer) => this.#push(d));
    src.on('end', () => {
      this.#ended = true;
      this.#endIfDone();
    });
    dst.on('drain', () => {
      this.#blocked = false;
      this.#flow();
    });
  }

  /** Chunks waiting. */
  get pending(): number {
    return this.#queue.length - this.#head;
  }

  /** Drops everything; the lane delivers nothing more. */
  kill(): void {
    this.#dead = true;
    this.#queue.length = 0;
    this.#head = 0;
  }

  /** The settings changed: a held lane may deliver again. */
  kick(): void {
    if (!this.#scheduled && this.pending > 0) this.#schedule();
  }

  #push(data: Buffer): void {
    if (this.#dead) return;
    const s = this.settings();
    const now = preciseNow();
    if (this.pending === 0 && isOpen(s)) {
      this.#deliver(data, now, now);
      return;
    }
    let due = now + s.rttMs / 2 + (s.jitterMs > 0 ? Math.random() * s.jitterMs : 0);
    if (s.bandwidthBytesPerSec !== null) {
      this.#linkFree = Math.max(now, this.#linkFree) + (data.length * 1000) / s.bandwidthBytesPerSec;
      due = Math.max(due, this.#linkFree + s.rttMs / 2);
    }
    due = Math.max(due, this.#lastDue);
    this.#lastDue = due;
    this.#queue.push({ data, arrived: now, due });
    this.#queued += data.length;
    if (this.#queued > HIGH_WATER) {
      this.#full = true;
      this.#flow();
    }
    if (!this.#scheduled) this.#schedule();
  }

  #schedule(): void {
    const head = this.#queue[this.#head];
    if (!head || this.#dead) return;
    this.#scheduled = true;
    this.scheduler.at(head.due, () => this.#run());
  }

  #run(): void {
    this.#scheduled = false;
    if (this.#dead || this.settings().fault === 'blackhole') return;
    const limit = preciseNow() + SLACK_MS;
    while (this.#head < this.#queue.length && this.#queue[this.#head]!.due <= limit) {
      const c = this.#queue[this.#head++]!;
      this.#queued -= c.data.length;
      this.#deliver(c.data, c.arrived, preciseNow());
    }
    // Compact now and then rather than shift() per chunk.
    if (this.#head > 1024 && this.#head * 2 > this.#queue.length) {
      this.#queue.splice(0, this.#head);
      this.#head = 0;
    }
    if (this.#full && this.#queued < LOW_WATER) this.#full = false;
    this.#flow();
    this.#schedule();
    this.#endIfDone();
  }

  #deliver(data: Buffer, arrived: number, now: number): void {
    this.stats.bytes += data.length;
    this.stats.chunks++;
    this.stats.heldMs += now - arrived;
    if (!this.dst.write(data)) {
      this.#blocked = true;
      this.#flow();
    }
  }

  /** Pauses the source while the queue is full or the destination pushes back. */
  #flow(): void {
    if (this.#full || this.#blocked) this.src.pause();
    else if (!this.#dead) this.src.resume();
  }

  #endIfDone(): void {
    if (this.#ended && this.pending === 0 && !this.#dead) this.dst.end();
  }
}

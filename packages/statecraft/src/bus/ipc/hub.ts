/**
 * The supervisor's side of the IPC bus. Every bus message a child sends is relayed to every
 * attached child, the sender included (so a publish reaches its own subscribers exactly as on
 * the other buses), and to the supervisor's own subscribers: the hub is a bus member too.
 * Everything passes through this one process, so all members see all messages in one order.
 *
 * A child that exits or disconnects is detached by itself; a relay to a child that is going
 * away is dropped without disturbing the others.
 */

import type { ChildProcess } from 'node:child_process';
import { SessionError } from '../../session/errors.js';
import { registry } from '../registry.js';
import type { Bus, BusOptions } from '../types.js';
import type { Envelope } from './envelope.js';
import { envelope, isEnvelope } from './envelope.js';

export interface IpcHub extends Bus {
  /** Relays bus messages from and to `child`, which must have an IPC channel (`fork()`). */
  attach(child: ChildProcess): void;
  /** Stops relaying to and from `child`. Does nothing when it is not attached. */
  detach(child: ChildProcess): void;
  /** How many children are attached. */
  readonly size: number;
}

/** Hands `e` to the child's IPC channel; resolves once written, or at once if the child is gone. */
function sendTo(child: ChildProcess, e: Envelope): Promise<void> {
  return new Promise((resolve) => {
    if (!child.connected) return resolve();
    try {
      // The callback receives the error (a child that just exited): it is not emitted.
      child.send(e, undefined, undefined, () => resolve());
    } catch {
      resolve();
    }
  });
}

/**
 * @example
 * import { fork } from 'node:child_process'
 * import { ipcHub } from 'statecraft/bus/ipc'
 * const hub = ipcHub()
 * for (let i = 0; i < 4; i++) hub.attach(fork('server.js'))
 * await hub.publish('revoked', 'u1') // reaches every instance's ipcBus() subscribers
 */
export function ipcHub(o: BusOptions = {}): IpcHub {
  const reg = registry('ipc', { listen: async () => {}, unlisten: async () => {} }, o);
  const children = new Map<ChildProcess, { onMessage(m: unknown): void; onGone(): void }>();

  async function relay(e: Envelope): Promise<void> {
    reg.deliver(e.channel, e.message);
    await Promise.all([...children.keys()].map((child) => sendTo(child, e)));
  }

  function detach(child: ChildProcess): void {
    const listeners = children.get(child);
    if (listeners === undefined) return;
    children.delete(child);
    child.off('message', listeners.onMessage);
    child.off('exit', listeners.onGone);
    child.off('disconnect', listeners.onGone);
  }

  return {
    name: 'ipc',
    attach(child) {
      reg.check();
      if (typeof child.send !== 'function' || !child.connected) {
        throw new SessionError(
          'INVALID_CONFIG',
          'ipcHub().attach() needs a child process with a connected IPC channel (child_process.fork())',
        );
      }
      if (children.has(child)) return;
      const listeners = {
        onMessage(m: unknown) {
          if (isEnvelope(m)) void relay(envelope(m.channel, m.message));
        },
        onGone: () => detach(child),
      };
      children.set(child, listeners);
      child.on('message', listeners.onMessage);
      child.once('exit', listeners.onGone);
      child.once('disconnect', listeners.onGone);
    },
    detach,
    get size() {
      return children.size;
    },
    async publish(channel, message) {
      reg.check();
      await relay(envelope(channel, message));
    },
    subscribe: (channel, handler) => reg.subscribe(channel, channel, handler),
    onReconnect: (callback) => reg.onReconnect(callback),
    async close() {
      for (const child of [...children.keys()]) detach(child);
      reg.close();
    },
  };
}

/**
 * IPC bus: the processes of one machine that a supervisor forked (`statecraft cluster`), talking
 * through Node's IPC channel. No server to run, and nothing crosses the machine: that is both
 * its appeal and its limit.
 *
 * Each instance calls `ipcBus()`: it sends `{ $statecraftBus: 1, channel, message }` to the
 * supervisor and receives what the supervisor relays. The supervisor runs one `ipcHub()` and
 * attaches every child (`./hub.ts`). A message reaches the processes attached at that moment,
 * once; an instance that restarts misses what was sent while it was down, like on every bus.
 */

import { SessionError } from '../../session/errors.js';
import { registry } from '../registry.js';
import type { Bus, BusOptions } from '../types.js';
import { envelope, isEnvelope } from './envelope.js';

export type { Bus, BusHandler, BusOptions } from '../types.js';
export type { IpcHub } from './hub.js';
export { ipcHub } from './hub.js';

/**
 * The child's side. Throws `INVALID_CONFIG` in a process that has no IPC channel.
 * @example
 * import { ipcBus } from 'statecraft/bus/ipc'
 * const bus = ipcBus() // in a process started by fork() and attached to the supervisor's ipcHub()
 * await bus.subscribe('revoked', (userId) => revocations.add(userId))
 */
export function ipcBus(o: BusOptions = {}): Bus {
  if (typeof process.send !== 'function' || !process.connected) {
    throw new SessionError(
      'INVALID_CONFIG',
      'ipcBus() needs an IPC channel to a supervisor: start this process with child_process.fork() ' +
        'and attach it to the supervisor’s ipcHub(), or use another bus',
    );
  }
  const closedChannel = (cause?: unknown) =>
    new SessionError('STORE_UNAVAILABLE', 'the IPC channel to the supervisor is closed', { cause });
  // The hub relays every message to every child, so subscribing is local only.
  const reg = registry(
    'ipc',
    {
      async listen() {
        if (!process.connected) throw closedChannel();
      },
      async unlisten() {},
    },
    o,
  );
  const onMessage = (m: unknown) => {
    if (isEnvelope(m)) reg.deliver(m.channel, m.message);
  };
  // This listener keeps the IPC channel (and so the process) alive until close() removes it.
  process.on('message', onMessage);

  return {
    name: 'ipc',
    async publish(channel, message) {
      reg.check();
      await new Promise<void>((resolve, reject) => {
        const fail = (cause?: unknown) => reject(closedChannel(cause));
        if (typeof process.send !== 'function' || !process.connected) return fail();
        try {
          process.send(envelope(channel, message), undefined, undefined, (err) =>
            err ? fail(err) : resolve(),
          );
        } catch (err) {
          fail(err);
        }
      });
    },
    subscribe: (channel, handler) => reg.subscribe(channel, channel, handler),
    onReconnect: (callback) => reg.onReconnect(callback),
    async close() {
      if (reg.closed) return;
      process.off('message', onMessage);
      reg.close();
    },
  };
}

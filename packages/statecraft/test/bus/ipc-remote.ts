/**
 * A child process running `fixtures/ipc-member.ts`, seen from the test as a `Bus`: each call is
 * a command to the child's real ipcBus(), each message the child's handler receives comes back
 * as an event and runs the handler here. The proxy adds no filtering of its own, so what the
 * conformance suite sees is what the child's bus delivered.
 */
import type { ChildProcess } from 'node:child_process';
import { fork } from 'node:child_process';
import type { Bus, BusHandler, IpcHub } from 'statecraft/bus/ipc';
import { fixture, fixtureExecArgv, repoRoot } from './conformance.js';

export interface RemoteMember extends Bus {
  readonly child: ChildProcess;
  /** Resolves with the exit code once the child has exited. */
  readonly exited: Promise<number | null>;
  /** Has the child send `raw` messages to its parent, as they are. */
  sendRaw(raw: unknown[]): Promise<void>;
  /** Has the child publish `count` messages `{ seq, sentAt }`, `gapMs` apart. */
  publishTimed(channel: string, count: number, gapMs: number): Promise<void>;
  /** Called with each message and the time the child's handler received it. */
  onTimed?: (message: string, at: number) => void;
}

interface Event {
  $test: 'ready' | 'reply' | 'message' | 'handler-error';
  id?: number;
  ok?: boolean;
  code?: string;
  message?: string;
  sub?: number;
  at?: number;
}

const CLOSE_EXIT_MS = 10_000;

/** Forks a member, attaches it to `hub`, and resolves once its bus is up. */
export async function forkMember(hub: IpcHub): Promise<RemoteMember> {
  const child = fork(fixture('ipc-member.ts'), [], {
    cwd: repoRoot,
    execArgv: fixtureExecArgv,
    env: { ...process.env, NODE_OPTIONS: '' },
  });
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  const pending = new Map<number, { resolve(): void; reject(e: Error): void }>();
  const handlers = new Map<number, BusHandler>();
  let nextId = 0;
  let closed = false;

  const ready = new Promise<void>((resolve, reject) => {
    child.once('exit', (code) => reject(new Error(`ipc member exited with ${code} before it was ready`)));
    child.on('message', (m: Event) => {
      if (m?.$test === 'ready') resolve();
    });
  });
  child.once('exit', () => {
    for (const p of pending.values()) p.reject(new Error('ipc member exited'));
    pending.clear();
  });
  child.on('message', (m: Event) => {
    if (m?.$test === 'reply') {
      const p = pending.get(m.id!);
      pending.delete(m.id!);
      if (m.ok) p?.resolve();
      else p?.reject(Object.assign(new Error(m.message), { code: m.code }));
    } else if (m?.$test === 'message') {
      member.onTimed?.(m.message!, m.at!);
      handlers.get(m.sub!)?.(m.message!);
    }
  });

  function command(op: string, fields: Record<string, unknown> = {}): Promise<void> {
    const id = ++nextId;
    return new Promise((resolve, reject) => {
      pending.set(id, { resolve, reject });
      child.send({ $test: 'command', id, op, ...fields });
    });
  }

  const member: RemoteMember = {
    name: 'ipc',
    child,
    exited,
    publish: (channel, message) => command('publish', { channel, message }),
    async subscribe(channel, handler) {
      const sub = ++nextId;
      handlers.set(sub, handler);
      await command('subscribe', { channel, sub });
      return () => command('unsubscribe', { sub });
    },
    onReconnect: () => () => {},
    sendRaw: (raw) => command('send-raw', { raw }),
    publishTimed: (channel, count, gapMs) => command('publish-timed', { channel, count, gapMs }),
    async close() {
      if (closed) return;
      closed = true;
      await command('close');
      // Its bus closed, the child has nothing left to wait for: it must exit by itself.
      let timer: NodeJS.Timeout | undefined;
      const code = await Promise.race([
        exited,
        new Promise<'timeout'>((resolve) => {
          timer = setTimeout(() => resolve('timeout'), CLOSE_EXIT_MS);
        }),
      ]);
      clearTimeout(timer);
      if (code === 'timeout') {
        child.kill('SIGKILL');
        throw new Error('the ipc member did not exit after its bus was closed');
      }
    },
  };

  hub.attach(child);
  await ready;
  return member;
}

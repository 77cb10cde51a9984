/**
 * The bus conformance suite: every bus runs these tests unchanged, under the same names
 * (`testBus(name, harness)` in `test/bus/<name>.test.ts`). A harness makes N members of one bus
 * (instances of the same deployment); negative checks ("does not arrive") wait for a sentinel
 * published after the message, never for a timeout.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { resolve } from 'node:path';
import { after, afterEach, before, describe, test } from 'node:test';
import { isSessionError } from 'statecraft';
import type { Bus, BusHandler, BusOptions } from 'statecraft/bus/memory';

export interface BusHarness {
  /** `n` members of one bus that reach each other, each built with `options`. The suite closes them. */
  create(n: number, options: BusOptions): Promise<Bus[]>;
  /** Arguments for `fixtures/lifecycle.ts`, which uses this bus, closes it, and must then exit by itself. */
  lifecycle(): Promise<string[]>;
  /** Called once after the suite. */
  teardown?(): Promise<void>;
}

const MEMBERS = 3;
const WAIT_MS = 15_000;

export const repoRoot = resolve(import.meta.dirname, '../../../..');
/** How a test process runs a TypeScript fixture: the library from source, TypeScript through tsx. */
export const fixtureExecArgv = ['--conditions=statecraft-source', '--import', 'tsx'];
export const fixture = (name: string) => resolve(import.meta.dirname, 'fixtures', name);

/** A handler that records what it receives and can be awaited. */
export interface Inbox {
  readonly handler: BusHandler;
  readonly messages: string[];
  /** Resolves with the messages once there are at least `n`; rejects after `ms`. */
  count(n: number, ms?: number): Promise<string[]>;
  /** Resolves once `message` has arrived; rejects after `ms`. */
  got(message: string, ms?: number): Promise<string[]>;
}

export function inbox(label = 'inbox'): Inbox {
  const messages: string[] = [];
  const waiters = new Set<{ done(): boolean; resolve(): void }>();
  function until(done: () => boolean, what: string, ms: number): Promise<string[]> {
    if (done()) return Promise.resolve(messages);
    return new Promise((resolvePromise, reject) => {
      const waiter = {
        done,
        resolve() {
          clearTimeout(timer);
          resolvePromise(messages);
        },
      };
      const timer = setTimeout(() => {
        waiters.delete(waiter);
        const shown = messages.length > 5 ? `${messages.length} messages` : JSON.stringify(messages);
        reject(new Error(`${label}: ${what} not reached within ${ms} ms (received ${shown})`));
      }, ms);
      waiters.add(waiter);
    });
  }
  return {
    messages,
    handler(message) {
      messages.push(message);
      for (const w of waiters) {
        if (w.done()) {
          waiters.delete(w);
          w.resolve();
        }
      }
    },
    count: (n, ms = WAIT_MS) => until(() => messages.length >= n, `${n} messages`, ms),
    got: (message, ms = WAIT_MS) =>
      until(() => messages.includes(message), `message ${JSON.stringify(message)}`, ms),
  };
}

/** Runs a fixture in a fresh process; resolves with how it ended, or kills it after `ms`. */
export function runFixture(
  args: string[],
  ms = 30_000,
): Promise<{
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
  timedOut: boolean;
}> {
  return new Promise((resolvePromise) => {
    const child = spawn(process.execPath, [...fixtureExecArgv, ...args], {
      cwd: repoRoot,
      env: { ...process.env, NODE_OPTIONS: '' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    let timedOut = false;
    child.stdout.setEncoding('utf8').on('data', (d: string) => {
      stdout += d;
    });
    child.stderr.setEncoding('utf8').on('data', (d: string) => {
      stderr += d;
    });
    const timer = setTimeout(() => {
      timedOut = true;
      child.kill('SIGKILL');
    }, ms);
    child.once('close', (code, signal) => {
      clearTimeout(timer);
      resolvePromise({ code, signal, stdout, stderr, timedOut });
    });
  });
}

export function testBus(name: string, h: BusHarness): void {
  describe(`${name} bus conformance`, () => {
    let members: Bus[] = [];
    const handlerErrors: { error: unknown; channel?: string }[] = [];
    let offs: (() => Promise<void>)[] = [];
    const channel = () => `t-${randomUUID()}`;

    before(async () => {
      members = await h.create(MEMBERS, {
        onHandlerError: (error, channel) => handlerErrors.push({ error, channel }),
      });
      assert.equal(members.length, MEMBERS);
    });
    afterEach(async () => {
      await Promise.all(offs.map((off) => off()));
      offs = [];
    });
    after(async () => {
      await Promise.all(members.map((m) => m.close()));
      await h.teardown?.();
    });

    /** Subscribes, and unsubscribes after the test. */
    async function listen(bus: Bus, ch: string, handler: BusHandler): Promise<() => Promise<void>> {
      const off = await bus.subscribe(ch, handler);
      offs.push(off);
      return off;
    }

    async function listenAll(ch: string): Promise<Inbox[]> {
      const boxes = members.map((_, i) => inbox(`member ${i}`));
      await Promise.all(members.map((m, i) => listen(m, ch, boxes[i]!.handler)));
      return boxes;
    }

    test('a message reaches the subscribers of every member, the publisher’s own included', async () => {
      for (const [p, publisher] of members.entries()) {
        const ch = channel();
        const boxes = await listenAll(ch);
        await publisher.publish(ch, `hello from ${p}`);
        for (const box of boxes) assert.deepEqual(await box.count(1), [`hello from ${p}`]);
      }
    });

    test('every handler of a channel on one member receives the message', async () => {
      const ch = channel();
      const a = inbox('a');
      const b = inbox('b');
      await listen(members[1]!, ch, a.handler);
      await listen(members[1]!, ch, b.handler);
      await members[0]!.publish(ch, 'both');
      assert.deepEqual(await a.count(1), ['both']);
      assert.deepEqual(await b.count(1), ['both']);
    });

    test('a message does not reach the subscribers of other channels', async () => {
      const [one, two] = [channel(), channel()];
      const ones = await listenAll(one);
      const twos = await listenAll(two);
      await members[0]!.publish(one, 'for one');
      await members[0]!.publish(two, 'sentinel');
      for (const box of twos) assert.deepEqual(await box.count(1), ['sentinel']);
      for (const box of ones) assert.deepEqual(await box.count(1), ['for one']);
    });

    test('after unsubscribe() resolves its handler receives nothing, while the channel’s other handlers still do', async () => {
      const ch = channel();
      const gone = inbox('unsubscribed');
      const kept = inbox('kept');
      const off = await listen(members[1]!, ch, gone.handler);
      await listen(members[1]!, ch, kept.handler);
      await members[0]!.publish(ch, 'before');
      await gone.count(1);
      await kept.count(1);
      await off();
      await off(); // a second call does nothing
      await members[0]!.publish(ch, 'after');
      assert.deepEqual(await kept.count(2), ['before', 'after']);
      assert.deepEqual(gone.messages, ['before']);
    });

    test('a member whose last handler left a channel receives nothing more on it, and can subscribe again', async () => {
      const [ch, sentinel] = [channel(), channel()];
      const gone = inbox('left');
      const watch = inbox('sentinel');
      const off = await listen(members[2]!, ch, gone.handler);
      await listen(members[2]!, sentinel, watch.handler);
      await off();
      await members[0]!.publish(ch, 'missed');
      await members[0]!.publish(sentinel, 'done');
      await watch.count(1);
      assert.deepEqual(gone.messages, []);

      const back = inbox('back');
      await listen(members[2]!, ch, back.handler);
      await members[0]!.publish(ch, 'again');
      assert.deepEqual(await back.count(1), ['again']);
      assert.deepEqual(gone.messages, []);
    });

    test('a handler that throws or rejects is reported to onHandlerError and stops neither the other handlers nor later messages', async () => {
      const ch = channel();
      const good = inbox('good');
      await listen(members[0]!, ch, () => {
        throw new Error('handler bug');
      });
      await listen(members[0]!, ch, async () => {
        throw new Error('async handler bug');
      });
      await listen(members[0]!, ch, good.handler);
      await members[1]!.publish(ch, 'one');
      await members[1]!.publish(ch, 'two');
      assert.deepEqual(await good.count(2), ['one', 'two']);
      // Rejections are reported a few microtasks after the handler returned.
      await new Promise((r) => setImmediate(r));
      const mine = handlerErrors.filter((e) => e.channel === ch).map((e) => (e.error as Error).message);
      assert.deepEqual(mine.sort(), ['async handler bug', 'async handler bug', 'handler bug', 'handler bug']);
    });

    test('handlers run asynchronously, never inside publish()', async () => {
      const ch = channel();
      const box = inbox();
      await listen(members[0]!, ch, box.handler);
      const published = members[0]!.publish(ch, 'later');
      assert.deepEqual(box.messages, []);
      await published;
      assert.deepEqual(await box.count(1), ['later']);
    });

    test('messages from one publisher arrive at every member in the order they were published', async () => {
      const ch = channel();
      const boxes = await listenAll(ch);
      const sent = Array.from({ length: 200 }, (_, i) => `m${i}`);
      // Not awaited one by one: the order must hold for concurrent publishes too.
      await Promise.all(sent.map((m) => members[1]!.publish(ch, m)));
      for (const box of boxes) assert.deepEqual(await box.count(sent.length), sent);
    });

    test('a thousand messages all arrive at every member, each exactly once', async () => {
      const ch = channel();
      const boxes = await listenAll(ch);
      const sent = Array.from({ length: 1000 }, (_, i) => `n${i}`);
      await Promise.all(sent.map((m, i) => members[i % members.length]!.publish(ch, m)));
      for (const box of boxes) {
        const got = await box.count(sent.length);
        assert.equal(got.length, sent.length);
        assert.deepEqual([...got].sort(), [...sent].sort());
      }
    });

    test('a message arrives unchanged: empty, Unicode, JSON and 7,000 bytes long', async () => {
      const ch = channel();
      const boxes = await listenAll(ch);
      const sent = [
        '',
        'ünïcödé ✓ 🚀 日本語',
        JSON.stringify({ type: 'revoked', userId: 'u-1', at: 1_767_225_600_000 }),
        'é'.repeat(3000) + 'x'.repeat(1000),
      ];
      assert.equal(Buffer.byteLength(sent[3]!), 7000);
      for (const m of sent) await members[0]!.publish(ch, m);
      for (const box of boxes) assert.deepEqual(await box.count(sent.length), sent);
    });

    test('publish(), subscribe() and onReconnect() on a closed bus reject with STORE_UNAVAILABLE', async () => {
      const [bus] = await h.create(1, {});
      await bus!.close();
      await bus!.close(); // a second close does nothing
      const unavailable = (e: unknown) => isSessionError(e, 'STORE_UNAVAILABLE');
      await assert.rejects(bus!.publish('x', 'y'), unavailable);
      await assert.rejects(
        bus!.subscribe('x', () => {}),
        unavailable,
      );
      assert.throws(() => bus!.onReconnect(() => {}), unavailable);
    });

    test('close() releases everything: a process that used the bus exits by itself', async () => {
      const run = await runFixture(await h.lifecycle());
      assert.equal(
        run.timedOut,
        false,
        `the process did not exit after close()\n${run.stdout}\n${run.stderr.slice(-2000)}`,
      );
      assert.equal(run.code, 0, `exit code ${run.code}, signal ${run.signal}\n${run.stderr.slice(-2000)}`);
      assert.match(run.stdout, /^closed$/m);
    });
  });
}

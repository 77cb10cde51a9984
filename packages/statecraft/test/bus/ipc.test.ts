import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { after, before, describe, test } from 'node:test';
import { isSessionError } from 'statecraft';
import type { IpcHub } from 'statecraft/bus/ipc';
import { ipcHub } from 'statecraft/bus/ipc';
import { fixture, inbox, runFixture, testBus } from './conformance.js';
import type { RemoteMember } from './ipc-remote.js';
import { forkMember } from './ipc-remote.js';

// Members: the supervisor's hub (in this process) and n - 1 forked children.
testBus('ipc', {
  async create(n, options) {
    const hub = ipcHub(options);
    const children = await Promise.all(Array.from({ length: n - 1 }, () => forkMember(hub)));
    return [hub, ...children];
  },
  lifecycle: async () => [fixture('lifecycle.ts'), 'ipc'],
});

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
}

describe('ipc bus across three forked children', () => {
  let hub: IpcHub;
  let children: RemoteMember[] = [];
  before(async () => {
    hub = ipcHub();
    children = await Promise.all([forkMember(hub), forkMember(hub), forkMember(hub)]);
    assert.equal(hub.size, 3);
  });
  after(async () => {
    await Promise.all(children.map((c) => c.close()));
    await hub.close();
  });

  test('a publish in one child arrives in all three, and the delivery delay is measured', async (t) => {
    const COUNT = 300;
    const delays: number[][] = children.map(() => []);
    const boxes = children.map((_, i) => inbox(`child ${i}`));
    children.forEach((child, i) => {
      child.onTimed = (message, at) =>
        delays[i]!.push(at - (JSON.parse(message) as { sentAt: number }).sentAt);
    });
    await Promise.all(children.map((c, i) => c.subscribe('timed', boxes[i]!.handler)));

    await children[0]!.publishTimed('timed', COUNT, 1);
    for (const [i, box] of boxes.entries()) {
      const got = (await box.count(COUNT)).map((m) => (JSON.parse(m) as { seq: number }).seq);
      assert.deepEqual(
        got,
        Array.from({ length: COUNT }, (_, s) => s),
        `child ${i} received every message in order`,
      );
    }
    for (const child of children) child.onTimed = undefined;

    const lines = delays.map((d, i) => {
      const sorted = [...d].sort((a, b) => a - b);
      const who = i === 0 ? 'child 0 (publisher)' : `child ${i}`;
      return `${who}: median ${percentile(sorted, 50).toFixed(3)} ms, p95 ${percentile(sorted, 95).toFixed(3)} ms, max ${sorted.at(-1)!.toFixed(3)} ms`;
    });
    t.diagnostic(`ipc delivery delay over ${COUNT} messages, publish() in child 0 → handler in each child:`);
    for (const line of lines) t.diagnostic(line);
  });

  test('the hub and the children ignore messages that are not bus messages', async () => {
    const hubBox = inbox('hub');
    const boxes = children.map((_, i) => inbox(`child ${i}`));
    const offs = [
      await hub.subscribe('c', hubBox.handler),
      ...(await Promise.all(children.map((c, i) => c.subscribe('c', boxes[i]!.handler)))),
    ];
    const strays = [
      'c',
      { channel: 'c', message: 'no marker' },
      { $statecraftBus: 2, channel: 'c', message: 'wrong version' },
      { $statecraftBus: '1', channel: 'c', message: 'marker as text' },
      { $statecraftBus: 1, channel: 'c' },
      { $statecraftBus: 1, channel: 7, message: 'channel not a string' },
      { $statecraftBus: 1, channel: 'c', message: { nested: true } },
      null,
      [1, 2],
    ];
    // From a child to the hub, and from the supervisor straight to each child.
    await children[1]!.sendRaw(strays);
    for (const c of children) for (const m of strays) c.child.send(m as object);
    await children[1]!.publish('c', 'sentinel');
    assert.deepEqual(await hubBox.count(1), ['sentinel']);
    for (const box of boxes) assert.deepEqual(await box.count(1), ['sentinel']);
    await Promise.all(offs.map((off) => off()));
  });

  test('a child that exits is detached, and the others keep receiving', async () => {
    const extra = await forkMember(hub);
    assert.equal(hub.size, 4);
    extra.child.kill('SIGKILL');
    await extra.exited;
    assert.equal(hub.size, 3);
    const box = inbox();
    const off = await children[2]!.subscribe('after-exit', box.handler);
    await hub.publish('after-exit', 'still here');
    assert.deepEqual(await box.count(1), ['still here']);
    await off();
  });
});

describe('ipc bus set-up', () => {
  test('ipcBus() in a process without an IPC channel throws INVALID_CONFIG', async () => {
    const run = await runFixture([fixture('no-ipc.ts')]);
    assert.equal(run.code, 0, run.stderr);
    assert.equal(run.stdout.trim(), 'INVALID_CONFIG');
  });

  test('attach() refuses a child without an IPC channel, with INVALID_CONFIG', async () => {
    const hub = ipcHub();
    const child = spawn(process.execPath, ['-e', ''], { stdio: 'ignore' });
    const exited = new Promise((resolve) => child.once('exit', resolve));
    try {
      assert.throws(
        () => hub.attach(child),
        (e: unknown) => isSessionError(e, 'INVALID_CONFIG'),
      );
      assert.equal(hub.size, 0);
    } finally {
      await exited;
      await hub.close();
    }
  });
});

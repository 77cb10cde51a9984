/**
 * The supervisor with the fixture app: the instance contract's environment, the IPC bus relay,
 * and kill, drain, restart and add, each seen from outside (ports, pids, HTTP) and as events.
 */
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { type Supervisor, startSupervisor, UnknownInstanceError } from '../../src/cluster/supervisor.js';
import type { SupervisorEvent } from '../../src/cluster/types.js';
import { fixtureCommand, waitFor } from './helpers.js';

let sup: Supervisor;
let dir: string;
const events: SupervisorEvent[] = [];

const alive = (pid: number) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};
const url = (id: string, path: string) =>
  `http://127.0.0.1:${sup.snapshot().find((i) => i.id === id)!.port}${path}`;
const states = (id: string) =>
  events.filter((e) => e.type === 'state' && e.id === id).map((e) => (e.type === 'state' ? e.state : ''));

before(async () => {
  dir = mkdtempSync(join(tmpdir(), 'statecraft-supervisor-test-'));
  sup = await startSupervisor({
    command: fixtureCommand,
    instances: 2,
    env: { STATECRAFT_BUS: 'ipc', STATECRAFT_MODE: 'shared', EXTRA: 'yes' },
    dir,
  });
  sup.onEvent((e) => events.push(e));
});

after(async () => {
  await sup.stop();
  rmSync(dir, { recursive: true, force: true });
});

describe('the supervisor', () => {
  it('starts every instance on its own port with INSTANCE_ID, PORT and the given environment, and waits until ready', async () => {
    const list = await sup.list();
    assert.deepEqual(
      list.map((i) => [i.id, i.state]),
      [
        ['i1', 'ready'],
        ['i2', 'ready'],
      ],
    );
    assert.notEqual(list[0]!.port, list[1]!.port);
    for (const i of list) {
      const r = await fetch(url(i.id, '/whoami'));
      assert.equal(r.headers.get('x-instance-id'), i.id);
      assert.equal(((await r.json()) as { pid: number }).pid, i.pid);
      const env = (await (await fetch(url(i.id, '/env'))).json()) as Record<string, string>;
      assert.deepEqual(env, {
        INSTANCE_ID: i.id,
        PORT: String(i.port),
        STATECRAFT_MODE: 'shared',
        STATECRAFT_BUS: 'ipc',
        EXTRA: 'yes',
      });
      // Figures come from the instance's own `stats` answer.
      assert.ok(i.rss !== null && i.rss > 10_000_000);
      assert.equal(typeof i.requests, 'number');
    }
  });

  it('relays the IPC bus: a message published by one instance reaches every instance', async () => {
    assert.equal(sup.hub?.size, 2);
    await fetch(url('i1', '/publish?m=hello'), { method: 'POST' });
    for (const id of ['i1', 'i2']) {
      await waitFor(
        async () =>
          ((await (await fetch(url(id, '/messages'))).json()) as { received: string[] }).received.includes(
            'hello',
          ),
        2000,
        `${id} to receive the message`,
      );
    }
  });

  it('kills an instance with SIGKILL and reports it dead, as an event', async () => {
    const before = sup.snapshot().find((i) => i.id === 'i2')!;
    const info = await sup.kill('i2');
    assert.equal(info.state, 'dead');
    assert.equal(info.pid, null);
    assert.equal(alive(before.pid!), false);
    const exit = events.find((e) => e.type === 'exit' && e.id === 'i2');
    assert.ok(exit && exit.type === 'exit' && exit.signal === 'SIGKILL' && exit.expected);
    await assert.rejects(fetch(url('i2', '/healthz')));
  });

  it('restarts an instance with the same id and port, attached to the bus again', async () => {
    const port = sup.snapshot().find((i) => i.id === 'i2')!.port;
    const info = await sup.restart('i2');
    assert.equal(info.state, 'ready');
    assert.equal(info.port, port);
    assert.equal(info.restarts, 1);
    assert.deepEqual(states('i2').slice(-3), ['dead', 'starting', 'ready']);
    assert.equal((await fetch(url('i2', '/whoami'))).headers.get('x-instance-id'), 'i2');
    await fetch(url('i2', '/publish?m=back'), { method: 'POST' });
    await waitFor(
      async () =>
        ((await (await fetch(url('i1', '/messages'))).json()) as { received: string[] }).received.includes(
          'back',
        ),
      2000,
      'i1 to hear the restarted instance',
    );
  });

  it('drains an instance: SIGTERM, the request in flight finishes, then it exits', async () => {
    const slow = fetch(url('i1', '/slow?ms=400'));
    await new Promise((r) => setTimeout(r, 100));
    const pid = sup.snapshot().find((i) => i.id === 'i1')!.pid!;
    const drained = sup.drain('i1');
    await waitFor(() => states('i1').at(-1) === 'draining', 1000, 'the draining state');
    const r = await slow;
    assert.equal(r.status, 200);
    const info = await drained;
    assert.equal(info.state, 'dead');
    assert.equal(alive(pid), false);
    const exit = events.findLast((e) => e.type === 'exit' && e.id === 'i1');
    assert.ok(exit && exit.type === 'exit' && exit.code === 0, 'a drained instance exits cleanly');
    // Restarting a dead instance needs no drain.
    assert.equal((await sup.restart('i1')).state, 'ready');
  });

  it('adds an instance with the next id and a port of its own', async () => {
    const info = await sup.add();
    assert.equal(info.id, 'i3');
    assert.equal(info.state, 'ready');
    const first = events.find((e) => e.type === 'state' && e.id === 'i3');
    assert.ok(first?.type === 'state' && first.prev === null && first.state === 'starting');
    assert.ok(!sup.snapshot().some((i) => i.id !== 'i3' && i.port === info.port));
    assert.equal(sup.hub?.size, 3);
    assert.deepEqual(
      sup.ready().map((b) => b.id),
      ['i1', 'i2', 'i3'],
    );
  });

  it('writes each instance’s output to <dir>/<id>.log', () => {
    assert.ok(existsSync(join(dir, 'i1.log')));
    assert.match(readFileSync(join(dir, 'i1.log'), 'utf8'), /^fixture i1 listening on \d+$/m);
  });

  it('refuses an unknown id with UNKNOWN_INSTANCE', async () => {
    await assert.rejects(
      sup.kill('i99'),
      (e: unknown) => e instanceof UnknownInstanceError && e.code === 'UNKNOWN_INSTANCE',
    );
  });

  it('fails to start with the failing instance’s last output, and stops the instances that did start', async () => {
    // i1 starts and writes its pid down; i2 fails at start-up.
    const script = `
      if (process.env.INSTANCE_ID === 'i2') { console.error('cannot open the store'); process.exit(3); }
      require('node:fs').writeFileSync(process.env.PID_FILE, String(process.pid));
      require('node:http').createServer((q, s) => s.end('ok')).listen(Number(process.env.PORT), '127.0.0.1');`;
    const pidFile = join(dir, 'i1.pid');
    await assert.rejects(
      startSupervisor({
        command: [process.execPath, '-e', script],
        instances: 2,
        env: { PID_FILE: pidFile },
      }),
      /instance i2 .*exited before it was ready[\s\S]*cannot open the store/,
    );
    assert.equal(alive(Number(readFileSync(pidFile, 'utf8'))), false);
  });

  it('stops every instance and reports each one dead', async () => {
    const extra = await startSupervisor({ command: fixtureCommand, instances: 2 });
    const pids = extra.snapshot().map((i) => i.pid!);
    await extra.stop();
    assert.deepEqual(
      extra.snapshot().map((i) => i.state),
      ['dead', 'dead'],
    );
    for (const pid of pids) assert.equal(alive(pid), false);
  });
});

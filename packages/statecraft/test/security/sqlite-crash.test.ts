/**
 * Crash safety of the SQLite store: a process writing sessions under load is killed with
 * SIGKILL; the file, opened again, holds every write the store had acknowledged (the child
 * reports each acknowledgement to this process before the kill) and passes an integrity check.
 */
import assert from 'node:assert/strict';
import { type ChildProcess, fork } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import Database from 'better-sqlite3';
import { createSessions, stateful } from 'statecraft';
import { sqliteStore } from 'statecraft/stores/sqlite';

const ACKS_BEFORE_KILL = 2000;

const writers = new Set<ChildProcess>();
// A test that failed or timed out before its kill still leaves no writer behind.
after(() => {
  for (const c of writers) c.kill('SIGKILL');
});

test('SIGKILL of a process writing sessions under load: every acknowledged write is there after reopening', {
  timeout: 120_000,
}, async () => {
  const dir = mkdtempSync(join(tmpdir(), 'statecraft-crash-'));
  const file = join(dir, 'sessions.db');
  try {
    const sessions = createSessions<{ n: number }>(
      stateful({ store: sqliteStore({ path: file, sweepInterval: 0 }) }),
    );
    const counter = await sessions.loadCredential(null);
    counter.set('n', 0);
    await counter.commit();
    await sessions.close();

    const fixture = fileURLToPath(new URL('./fixtures/sqlite-writer.ts', import.meta.url));
    const child = fork(fixture, [file, counter.internalId], {
      execArgv: ['--import', 'tsx', '--conditions=statecraft-source'],
      stdio: ['ignore', 'ignore', 'pipe', 'ipc'],
    });
    writers.add(child);
    let stderr = '';
    child.stderr!.on('data', (d) => {
      stderr += d;
    });
    const exited = once(child, 'exit');
    const created = new Map<string, number>();
    let counterAcked = 0;
    await new Promise<void>((resolve, reject) => {
      child.once('exit', (code) => reject(new Error(`writer exited with ${code}: ${stderr}`)));
      child.on('message', (m: { created?: string; n?: number; counter?: number }) => {
        if (m.created !== undefined) created.set(m.created, m.n!);
        if (m.counter !== undefined) counterAcked = Math.max(counterAcked, m.counter);
        if (created.size >= ACKS_BEFORE_KILL) resolve();
      });
    });
    // Killed mid-stream: writes are in flight, some committed but not yet reported.
    child.kill('SIGKILL');
    const [code, signal] = await exited;
    assert.equal(signal, 'SIGKILL', `exit ${code}`);

    const db = new Database(file);
    assert.equal(db.pragma('integrity_check', { simple: true }), 'ok');
    db.close();
    const reopened = createSessions<{ n: number }>(
      stateful({ store: sqliteStore({ path: file, sweepInterval: 0 }) }),
    );
    let missing = 0;
    for (const [id, n] of created) {
      if ((await reopened.loadCredential(id)).get('n') !== n) missing++;
    }
    const stored = (await reopened.loadCredential(counter.internalId)).get('n') ?? 0;
    await reopened.close();
    console.log(
      `crash: ${created.size} acknowledged sessions, ${missing} missing; counter acknowledged ${counterAcked}, stored ${stored}`,
    );
    assert.equal(missing, 0);
    assert.ok(stored >= counterAcked, `counter ${stored} < acknowledged ${counterAcked}`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

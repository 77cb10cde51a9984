/**
 * Bad flag combinations are refused with a usage error (exit 2) before anything starts, and
 * `--help` works after a command as well as before it.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { test } from 'node:test';

const CLI = join(import.meta.dirname, '../../src/cli/index.ts');

function cli(...args: string[]) {
  return spawnSync(process.execPath, ['--conditions=statecraft-source', '--import', 'tsx', CLI, ...args], {
    encoding: 'utf8',
    timeout: 30_000,
  });
}

test('cluster refuses an unknown --policy before starting an instance', () => {
  const r = cli('cluster', '--mode', 'shared', '--instances', '1', '--policy', 'nope');
  assert.equal(r.status, 2, r.stderr);
  assert.match(r.stderr, /--policy is round-robin, least-conn, sticky-cookie, consistent-hash/);
  assert.doesNotMatch(r.stderr, /starting/);
});

test('lab refuses --ui with --sweep-rtt before serving anything', () => {
  const r = cli('lab', '--ui', '--sweep-rtt', '0,1', '--store', 'redis://127.0.0.1:1', '--modes', 'shared');
  assert.equal(r.status, 2, r.stderr);
  assert.match(r.stderr, /--ui and --sweep-rtt exclude each other/);
  assert.doesNotMatch(r.stderr, /live metrics/);
});

test('a sweep of one distinct RTT is refused', () => {
  const r = cli('lab', '--sweep-rtt', '0,0', '--store', 'redis://127.0.0.1:1');
  assert.equal(r.status, 2, r.stderr);
  assert.match(r.stderr, /2 to \d+ distinct round-trip times/);
});

test('--help after a command prints the usage', () => {
  const r = cli('lab', '--help');
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stdout, /^usage:/);
});

test('serve and cluster refuse a --store they cannot use, naming the flag', () => {
  for (const command of ['serve', 'cluster']) {
    const r = cli(command, '--mode', 'shared', '--store', 'foo');
    assert.equal(r.status, 2, r.stderr);
    assert.match(r.stderr, /^--store: not a URL/);
    assert.doesNotMatch(r.stdout + r.stderr, /serving|starting/);
  }
});

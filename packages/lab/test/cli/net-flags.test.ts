import assert from 'node:assert/strict';
import { test } from 'node:test';
import { netFlags } from '../../src/cli/net-flags.js';

const fail = (m: string) => new Error(m);
const redis = 'redis://127.0.0.1:6379';

test('no network flag keeps direct connections: the default run has RTT 0 and no proxy', () => {
  assert.deepEqual(netFlags({ store: 'sqlite' }, fail), {});
});

test('--rtt takes milliseconds with or without a unit, on the store link by default', () => {
  assert.deepEqual(netFlags({ rtt: '0.5ms', store: redis }, fail), {
    net: { rttMs: 0.5, jitterMs: 0, link: 'store' },
  });
  assert.deepEqual(netFlags({ rtt: '2', jitter: '250us', 'rtt-link': 'both', store: redis }, fail), {
    net: { rttMs: 2, jitterMs: 0.25, link: 'both' },
  });
});

test('--sweep-rtt gives the sorted, distinct RTTs', () => {
  assert.deepEqual(netFlags({ 'sweep-rtt': '4,0,0.25,1,1', store: redis }, fail).sweepRttMs, [0, 0.25, 1, 4]);
});

test('the store link over SQLite is refused, the instances link is not', () => {
  assert.throws(() => netFlags({ rtt: '1', store: 'sqlite' }, fail), /needs a store on the network/);
  assert.deepEqual(
    netFlags({ rtt: '1', 'rtt-link': 'instances', store: 'sqlite' }, fail).net?.link,
    'instances',
  );
});

test('bad values are refused with the message of the flag', () => {
  assert.throws(() => netFlags({ rtt: 'soon', store: redis }, fail), /--rtt/);
  assert.throws(() => netFlags({ rtt: '1', 'rtt-link': 'moon', store: redis }, fail), /--rtt-link/);
  assert.throws(() => netFlags({ 'sweep-rtt': '1', store: redis }, fail), /2 to 12/);
  assert.throws(() => netFlags({ rtt: '1', 'sweep-rtt': '0,1', store: redis }, fail), /exclude/);
  assert.throws(() => netFlags({ 'rtt-link': 'store', store: redis }, fail), /needs --rtt/);
});

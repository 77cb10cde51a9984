import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { isSessionError } from 'statecraft';
import { memoryBus, memoryHub } from 'statecraft/bus/memory';
import { fixture, inbox, testBus } from './conformance.js';

testBus('memory', {
  async create(n, options) {
    const hub = memoryHub();
    return Array.from({ length: n }, () => memoryBus({ hub, ...options }));
  },
  lifecycle: async () => [fixture('lifecycle.ts'), 'memory'],
});

describe('memory bus', () => {
  test('a bus without a hub reaches only its own subscribers', async () => {
    const a = memoryBus();
    const b = memoryBus();
    const inA = inbox('a');
    const inB = inbox('b');
    await a.subscribe('c', inA.handler);
    await b.subscribe('c', inB.handler);
    await a.publish('c', 'mine');
    await b.publish('c', 'theirs');
    assert.deepEqual(await inA.count(1), ['mine']);
    assert.deepEqual(await inB.count(1), ['theirs']);
    await Promise.all([a.close(), b.close()]);
  });

  test('a closed bus leaves its hub and the others carry on', async () => {
    const hub = memoryHub();
    const a = memoryBus({ hub });
    const b = memoryBus({ hub });
    assert.equal(hub.size, 2);
    const inA = inbox('a');
    await a.subscribe('c', inA.handler);
    await b.close();
    assert.equal(hub.size, 1);
    await a.publish('c', 'still here');
    assert.deepEqual(await inA.count(1), ['still here']);
    await a.close();
    assert.equal(hub.size, 0);
  });

  test('memoryBus() refuses a hub that memoryHub() did not make, with INVALID_CONFIG', () => {
    assert.throws(
      () => memoryBus({ hub: { size: 0 } }),
      (e: unknown) => isSessionError(e, 'INVALID_CONFIG'),
    );
  });

  test('onReconnect() returns a function that removes the callback', async () => {
    const bus = memoryBus();
    const remove = bus.onReconnect(() => {});
    assert.equal(typeof remove, 'function');
    remove();
    await bus.close();
  });
});

/**
 * Session ids (OWASP Session Management, ASVS V7.2): 256 bits from the CSPRNG, no duplicates
 * over 100,000 issued ids, never adopted when unknown, never read from the URL or the body,
 * and never seen raw by the store (which keys records by the id's SHA-256).
 */
import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import type { SessionRecord, Store } from 'statecraft';
import { createSessions, stateful, storeKey } from 'statecraft';
import { memoryStore } from 'statecraft/stores/memory';
import { sqliteStore } from 'statecraft/stores/sqlite';
import { shopApp } from '../helpers/app.js';
import { Client, listen } from '../helpers/http.js';
import { cookieValue } from '../helpers/tokens.js';

const IDS = 100_000;

/** A store that remembers every key and record it was handed. */
function recording(inner: Store): Store & { keys: string[]; records: SessionRecord[] } {
  const keys: string[] = [];
  const records: SessionRecord[] = [];
  const k = (key: string) => {
    keys.push(key);
    return key;
  };
  return {
    keys,
    records,
    name: inner.name,
    get: (key) => inner.get(k(key)),
    set: (r, e) => {
      k(r.key);
      records.push(r);
      return inner.set(r, e);
    },
    touch: (key, l, x) => inner.touch(k(key), l, x),
    delete: (key) => inner.delete(k(key)),
    listByUser: (u) => inner.listByUser(u),
    deleteByUser: (u, e) => inner.deleteByUser(u, e === undefined ? undefined : k(e)),
    close: () => inner.close(),
  };
}

describe('session ids', () => {
  test('100,000 issued ids are distinct, 43 base64url characters of 256 balanced random bits', async () => {
    const sessions = createSessions(stateful({ store: memoryStore({ sweepInterval: 0 }) }));
    const seen = new Set<string>();
    const ones = new Uint32Array(256);
    for (let i = 0; i < IDS; i++) {
      const s = await sessions.loadCredential(null);
      s.set('n', i);
      const id = cookieValue((await s.commit()).setCookie);
      assert.match(id, /^[A-Za-z0-9_-]{43}$/);
      const bytes = Buffer.from(id, 'base64url');
      assert.equal(bytes.length, 32);
      assert.equal(bytes.toString('base64url'), id, 'one canonical spelling per id');
      seen.add(id);
      for (let b = 0; b < 256; b++) ones[b]! += (bytes[b >> 3]! >> (7 - (b & 7))) & 1;
    }
    await sessions.close();
    assert.equal(seen.size, IDS);
    // Each of the 256 bits is set in half the ids: a stuck or biased bit would cut the entropy
    // below 256 bits. The bound is 6 standard deviations (0.5 / sqrt(100,000) ≈ 0.0016).
    const worst = Math.max(...[...ones].map((n) => Math.abs(n / IDS - 0.5)));
    console.log(`ids: ${seen.size} distinct of ${IDS}; largest bit bias ${worst.toFixed(4)}`);
    assert.ok(worst < 6 * (0.5 / Math.sqrt(IDS)), `a bit is biased by ${worst}`);
  });

  test('an unknown or forged id is never adopted: the session gets a fresh id, and the forged one is never stored', async () => {
    const store = recording(memoryStore({ sweepInterval: 0 }));
    const sessions = createSessions(stateful({ store }));
    const forged = 'A'.repeat(43);
    const s = await sessions.load({ headers: { cookie: `sid=${forged}` } });
    assert.equal(s.isNew, true);
    s.set('n', 1);
    const fresh = cookieValue((await s.commit()).setCookie);
    assert.notEqual(fresh, forged);
    assert.ok(store.records.every((r) => r.key !== storeKey(forged) && r.key !== forged));
    // Logging in over a forged id (fixation) gives a fresh id too.
    const app = await listen(shopApp(createSessions(stateful({ store }))));
    try {
      const c = new Client(app.url);
      c.jar.set('sid', forged);
      assert.equal((await c.request('POST', '/login', { user: 'mallory' })).status, 200);
      assert.notEqual(c.jar.get('sid'), forged);
      assert.ok(store.records.every((r) => r.key !== storeKey(forged)));
    } finally {
      await app.close();
      await sessions.close();
    }
  });

  test('an id in the URL query, the path or the body is never read', async () => {
    const store = memoryStore({ sweepInterval: 0 });
    const app = await listen(shopApp(createSessions(stateful({ store }))));
    try {
      const victim = new Client(app.url);
      await victim.request('POST', '/login', { user: 'victim' });
      const id = victim.jar.get('sid')!;
      assert.equal((await victim.request('GET', '/me')).status, 200);
      const attacker = new Client(app.url);
      for (const path of [`/me?sid=${id}`, `/me;sid=${id}`, `/me?session=${id}&sid=${id}`]) {
        const r = await attacker.request('GET', path);
        assert.notEqual(r.status, 200, path);
        assert.equal(attacker.jar.size, 0, `no cookie set for ${path}`);
      }
      const r = await attacker.request('POST', '/cart', { item: 'x', sid: id, __proto__: { sid: id } });
      assert.equal(r.status, 401);
      const bearer = await attacker.request('GET', '/me', undefined, { authorization: `Bearer ${id}` });
      assert.equal(bearer.status, 401, 'a bearer header is ignored unless the bearer transport is on');
    } finally {
      await app.close();
      await store.close();
    }
  });

  test('the store only ever sees the SHA-256 of an id, never the id, in keys, records or its file', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'statecraft-ids-'));
    const store = recording(sqliteStore({ path: join(dir, 's.db'), sweepInterval: 0 }));
    const app = await listen(shopApp(createSessions(stateful({ store }))));
    const ids: string[] = [];
    try {
      for (let i = 0; i < 5; i++) {
        const c = new Client(app.url);
        await c.request('POST', '/login', { user: `user${i}` });
        ids.push(c.jar.get('sid')!);
        await c.request('POST', '/cart', { item: 'sku' });
        await c.request('GET', '/me');
        await c.request('POST', '/logout');
      }
    } finally {
      await app.close();
      await store.close();
    }
    const keys = new Set(store.keys);
    for (const id of ids) {
      assert.ok(keys.has(storeKey(id)), 'the record is keyed by the hash');
      assert.ok(!keys.has(id), 'the raw id never reaches the store');
      for (const r of store.records) assert.ok(!JSON.stringify(r).includes(id));
    }
    // Nothing of the raw ids in the database file, its WAL or its shared memory.
    for (const f of readdirSync(dir)) {
      const bytes = readFileSync(join(dir, f)).toString('latin1');
      for (const id of ids) assert.ok(!bytes.includes(id), `${f} holds a raw id`);
    }
    rmSync(dir, { recursive: true, force: true });
  });
});

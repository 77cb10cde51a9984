/**
 * The balancing policies on their own: pure functions of the request's affinity inputs and
 * the healthy pool.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  type Candidate,
  consistentHash,
  cookieValue,
  leastConn,
  type PickInput,
  policyForMode,
  roundRobin,
  stickyCookie,
} from '../../src/cluster/balancer/policies/index.js';

const pool = (...ids: string[]): Candidate[] => ids.map((id) => ({ id, inFlight: 0 }));
const anon: PickInput = { cookie: undefined, address: '127.0.0.1' };

describe('round-robin', () => {
  it('takes each backend in turn', () => {
    const p = roundRobin();
    const backends = pool('i1', 'i2', 'i3');
    const picks = Array.from({ length: 9 }, () => p.pick(anon, backends)!.id);
    // The order repeats every three picks and covers every backend once per round.
    assert.deepEqual(picks.slice(0, 3), picks.slice(3, 6));
    assert.deepEqual([...picks.slice(0, 3)].sort(), ['i1', 'i2', 'i3']);
  });

  it('never picks one backend twice in a row while another is healthy, even as the pool shrinks', () => {
    const p = roundRobin();
    let last = '';
    for (let i = 0; i < 20; i++) {
      const backends = i < 10 ? pool('i1', 'i2', 'i3') : pool('i1', 'i3');
      const id = p.pick(anon, backends)!.id;
      if (i !== 10) assert.notEqual(id, last);
      last = id;
    }
  });

  it('returns undefined for an empty pool', () => {
    assert.equal(roundRobin().pick(anon, []), undefined);
  });
});

describe('least-conn', () => {
  it('picks the backend with the fewest requests in flight', () => {
    const p = leastConn();
    const backends = [
      { id: 'i1', inFlight: 4 },
      { id: 'i2', inFlight: 0 },
      { id: 'i3', inFlight: 2 },
    ];
    for (let i = 0; i < 5; i++) assert.equal(p.pick(anon, backends)!.id, 'i2');
  });

  it('shares the load between idle backends instead of always taking the first', () => {
    const p = leastConn();
    const backends = pool('i1', 'i2', 'i3');
    const seen = new Set(Array.from({ length: 6 }, () => p.pick(anon, backends)!.id));
    assert.equal(seen.size, 3);
  });
});

describe('sticky-cookie', () => {
  it('sets its affinity cookie on the first response and keeps the client on that backend', () => {
    const p = stickyCookie();
    const backends = pool('i1', 'i2', 'i3');
    const first = p.pick(anon, backends)!;
    const setCookie = p.affinity!(anon, first);
    assert.match(setCookie!, new RegExp(`^sc_lb=${first.id}; Path=/; HttpOnly; SameSite=Lax$`));
    const later: PickInput = { cookie: `sid=abc; sc_lb=${first.id}`, address: '127.0.0.1' };
    for (let i = 0; i < 10; i++) assert.equal(p.pick(later, backends)!.id, first.id);
    assert.equal(p.affinity!(later, first), null, 'the cookie is not set again while it holds');
  });

  it('moves a client whose backend died to another one and sets the cookie again', () => {
    const p = stickyCookie();
    const input: PickInput = { cookie: 'sc_lb=i2', address: '127.0.0.1' };
    const moved = p.pick(input, pool('i1', 'i3'))!;
    assert.notEqual(moved.id, 'i2');
    assert.equal(p.affinity!(input, moved), `sc_lb=${moved.id}; Path=/; HttpOnly; SameSite=Lax`);
  });

  it('ignores an affinity cookie that names no backend and never reflects it', () => {
    const p = stickyCookie();
    const input: PickInput = { cookie: 'sc_lb=<script>', address: '127.0.0.1' };
    const chosen = p.pick(input, pool('i1'))!;
    assert.equal(chosen.id, 'i1');
    assert.doesNotMatch(p.affinity!(input, chosen)!, /script/);
  });
});

describe('consistent-hash', () => {
  const keys = Array.from({ length: 4000 }, (_, i) => `session-${i}`);
  const owners = (ids: string[]) => {
    const p = consistentHash();
    const backends = pool(...ids);
    return keys.map((k) => p.pick({ cookie: `sid=${k}`, address: '10.0.0.1' }, backends)!.id);
  };

  it('sends one key to one backend every time', () => {
    const p = consistentHash();
    const backends = pool('i1', 'i2', 'i3');
    const input: PickInput = { cookie: 'sid=abc', address: '127.0.0.1' };
    const first = p.pick(input, backends)!.id;
    for (let i = 0; i < 20; i++) assert.equal(p.pick(input, [...backends].reverse())!.id, first);
  });

  it('spreads keys roughly evenly', () => {
    const counts = new Map<string, number>();
    for (const id of owners(['i1', 'i2', 'i3', 'i4'])) counts.set(id, (counts.get(id) ?? 0) + 1);
    for (const n of counts.values()) assert.ok(n > 650 && n < 1350, `share ${n} of 4000 with 4 backends`);
  });

  it('moves only the removed backend’s keys when one of N leaves (about 1/N)', () => {
    const before = owners(['i1', 'i2', 'i3', 'i4']);
    const after = owners(['i1', 'i2', 'i4']);
    let moved = 0;
    for (let i = 0; i < keys.length; i++) {
      if (before[i] !== after[i]) {
        moved++;
        assert.equal(before[i], 'i3', 'a key moved that was not on the removed backend');
      }
    }
    const share = moved / keys.length;
    assert.ok(share > 0.15 && share < 0.35, `moved ${share} of keys, expected about 1/4`);
  });

  it('takes about 1/(N+1) of the keys for a backend that joins, and only for it', () => {
    const before = owners(['i1', 'i2', 'i3']);
    const after = owners(['i1', 'i2', 'i3', 'i4']);
    let moved = 0;
    for (let i = 0; i < keys.length; i++) {
      if (before[i] !== after[i]) {
        moved++;
        assert.equal(after[i], 'i4');
      }
    }
    const share = moved / keys.length;
    assert.ok(share > 0.15 && share < 0.35, `moved ${share} of keys, expected about 1/4`);
  });

  it('hashes on the client address when the request has no session cookie', () => {
    const p = consistentHash();
    const backends = pool('i1', 'i2', 'i3', 'i4', 'i5');
    const seen = new Set<string>();
    for (let i = 0; i < 50; i++)
      seen.add(p.pick({ cookie: undefined, address: `10.0.0.${i}` }, backends)!.id);
    assert.ok(seen.size > 1);
    assert.equal(
      p.pick({ cookie: undefined, address: '10.0.0.7' }, backends)!.id,
      p.pick({ cookie: 'other=1', address: '10.0.0.7' }, backends)!.id,
    );
  });
});

describe('helpers', () => {
  it('reads a cookie by exact name from a Cookie header', () => {
    assert.equal(cookieValue('a=1; sc_lb=i2; b=3', 'sc_lb'), 'i2');
    assert.equal(cookieValue('sc_lb=i1', 'sc_lb'), 'i1');
    assert.equal(cookieValue('xsc_lb=i9; sc_lb=i3', 'sc_lb'), 'i3');
    assert.equal(cookieValue('a=sc_lb=i9', 'sc_lb'), undefined);
    assert.equal(cookieValue(undefined, 'sc_lb'), undefined);
  });

  it('runs sticky behind sticky-cookie and every other mode behind round-robin', () => {
    assert.equal(policyForMode('sticky'), 'sticky-cookie');
    for (const m of ['shared', 'stateless', 'hybrid'] as const) assert.equal(policyForMode(m), 'round-robin');
  });
});

/**
 * Property tests of the credential parsers, 10,000 generated headers each: the `Cookie` header
 * and the `Authorization: Bearer` header, as `sessions.load()` reads them in front of every
 * adapter. While a real session is live, no generated header may crash the parser, raise
 * anything but `HEADER_TOO_LARGE`, or authenticate unless it carries that session's exact
 * credential.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import fc from 'fast-check';
import type { Sessions, StrategyFactory } from 'statecraft';
import { createSessions, hybrid, isSessionError, readCredential, stateful } from 'statecraft';
import { memoryStore } from 'statecraft/stores/memory';
import { hsKey } from '../helpers/tokens.js';

const RUNS = 10_000;
const MAX_HEADER = 600;

/** Characters that matter to the parsers, plus anything at all. */
const charArb = fc.oneof(
  { weight: 6, arbitrary: fc.constantFrom(...'ABCabcxyz0189-_.~+/') },
  { weight: 3, arbitrary: fc.constantFrom('=', ';', ',', ' ', '"', '%', '\t', 's', 'i', 'd') },
  {
    weight: 1,
    arbitrary: fc.constantFrom('\0', '\r', '\n', 'é', '😀', '\uD800', '\uFEFF', '%00', '%2', 'Bearer'),
  },
  { weight: 1, arbitrary: fc.string({ unit: 'binary', minLength: 1, maxLength: 1 }) },
);
const junk = (maxLength: number) => fc.string({ unit: charArb, maxLength });

/** A change to a valid credential: a character replaced, inserted or deleted, or a cut. */
function mutated(valid: string): fc.Arbitrary<string> {
  return fc.oneof(
    fc.tuple(fc.nat(valid.length - 1), junk(3)).map(([i, s]) => valid.slice(0, i) + s + valid.slice(i + 1)),
    fc.tuple(fc.nat(valid.length), junk(3)).map(([i, s]) => valid.slice(0, i) + s + valid.slice(i)),
    fc.nat(valid.length - 1).map((i) => valid.slice(0, i)),
    fc.constant(valid.toLowerCase()),
    fc.constant(`${valid}${valid}`),
  );
}

interface Rig {
  sessions: Sessions;
  /** The live, authenticated credential. */
  valid: string;
}

async function rig(strategy: StrategyFactory, transport: 'cookie' | 'bearer'): Promise<Rig> {
  const sessions = createSessions(strategy, { transport: [transport], maxHeaderBytes: MAX_HEADER });
  const s = await sessions.loadCredential(null);
  await s.login('victim');
  const { setCookie, token } = await s.commit();
  const valid = transport === 'bearer' ? token! : decodeURIComponent(/^sid=([^;]*)/.exec(setCookie!)![1]!);
  // The credential works: the property below is about what else does.
  const back = await sessions.loadCredential(valid);
  assert.equal(back.userId, 'victim');
  return { sessions, valid };
}

/** Loads `headers`; fails the property on a crash, a foreign error or a false authentication. */
async function check(r: Rig, headers: Record<string, string>): Promise<void> {
  let s: Awaited<ReturnType<Sessions['load']>>;
  try {
    s = await r.sessions.load({ headers });
  } catch (e) {
    assert.ok(isSessionError(e, 'HEADER_TOO_LARGE'), `unexpected ${String(e)}`);
    return;
  }
  if (s.userId !== null) {
    assert.equal(
      readCredential({ headers }, r.sessions.options)?.value,
      r.valid,
      'authenticated by a forgery',
    );
  }
}

const STRATEGIES: [string, () => StrategyFactory][] = [
  ['stateful', () => stateful({ store: memoryStore({ sweepInterval: 0 }) })],
  ['hybrid', () => hybrid({ store: memoryStore({ sweepInterval: 0 }), keys: [hsKey()], format: 'jws' })],
];

for (const [name, make] of STRATEGIES) {
  describe(`credential parsers under generated headers (${name})`, () => {
    let cookie: Rig;
    let bearer: Rig;
    before(async () => {
      cookie = await rig(make(), 'cookie');
      bearer = await rig(make(), 'bearer');
    });
    after(async () => {
      await cookie.sessions.close();
      await bearer.sessions.close();
    });

    test(`${RUNS} generated Cookie headers: no crash, no error but HEADER_TOO_LARGE, no authentication without the exact id`, async () => {
      const pair = fc.tuple(fc.oneof(fc.constant('sid'), junk(6)), fc.oneof(mutated(cookie.valid), junk(60)));
      const header = fc.oneof(
        junk(200),
        fc.array(pair, { maxLength: 6 }).map((ps) => ps.map(([k, v]) => `${k}=${v}`).join('; ')),
        fc.tuple(junk(30), mutated(cookie.valid), junk(30)).map(([a, v, b]) => `${a}sid=${v}${b}`),
        fc.tuple(junk(20), fc.nat(MAX_HEADER)).map(([s, n]) => `sid=${cookie.valid}; x=${s.padEnd(n, 'x')}`),
      );
      await fc.assert(
        fc.asyncProperty(header, (h) => check(cookie, { cookie: h })),
        { numRuns: RUNS },
      );
    });

    test(`${RUNS} generated Authorization headers: no crash, no error but HEADER_TOO_LARGE, no authentication without the exact token`, async () => {
      const scheme = fc.constantFrom('Bearer ', 'bearer ', 'BEARER  ', 'Bearer', 'Basic ', 'Bearer\t', '');
      const header = fc.oneof(
        junk(200),
        fc.tuple(scheme, mutated(bearer.valid), junk(4)).map(([s, v, t]) => `${s}${v}${t}`),
        fc.tuple(scheme, junk(80)).map(([s, v]) => s + v),
        fc.nat(MAX_HEADER).map((n) => `Bearer ${bearer.valid}${' '.repeat(n)}`),
      );
      await fc.assert(
        fc.asyncProperty(header, (h) => check(bearer, { authorization: h })),
        { numRuns: RUNS },
      );
    });
  });
}

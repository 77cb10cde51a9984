/**
 * Property tests over generated malformed tokens, signed and sealed: random strings, mutated
 * valid tokens (flipped, inserted and deleted characters, truncations, extra and swapped
 * segments, JSON edge cases, Unicode), and junk headers and claims under the real keys.
 *
 * Two invariants: every refusal is a SessionError with a TOKEN_* code (nothing else escapes),
 * and nothing is accepted unless it is byte-for-byte one of the valid tokens, or, for tokens
 * made with the real key, unless it passes every rule.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import fc from 'fast-check';
import { SessionError } from '../../src/session/errors.js';
import { openToken, sealToken, signToken, type VerifiedToken, verifyToken } from '../../src/tokens/index.js';
import { b64, claims, clock, dirJwe, edJws, hsJws, mixedRing, NOW } from './keys.js';

const ring = mixedRing();
const opts = { clock: clock() };

// Runs per property; the three properties of each format together exceed 10,000 tokens.
const MUTATED_RUNS = 10_000;
const RANDOM_RUNS = 4_000;
const JUNK_RUNS = 3_000;

const jwsValid = [
  signToken(claims(), ring, opts),
  signToken(claims({ data: { role: 'admin', n: [1, 2, 3] } }), ring, { ...opts, alg: 'EdDSA' }),
  signToken(claims(), ring, { ...opts, typ: 'session+jwt' }),
  hsJws({ alg: 'HS256' }, claims()),
  edJws({ alg: 'EdDSA', kid: 'ed', typ: 'JWT' }, claims({ sub: 'ü😀' })),
];
const jweValid = [
  sealToken(claims(), ring, opts),
  sealToken(claims({ data: { cart: [42] } }), ring, { ...opts, typ: 'session+jwe' }),
  dirJwe({ alg: 'dir', enc: 'A256GCM' }, claims()),
];

const ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';
const charArb = fc.oneof(
  { weight: 6, arbitrary: fc.constantFrom(...ALPHABET) },
  { weight: 2, arbitrary: fc.constant('.') },
  {
    weight: 1,
    arbitrary: fc.constantFrom('=', '+', '/', ' ', '\n', '\0', 'é', '😀', '\uD800', '\uFEFF', '%'),
  },
  { weight: 1, arbitrary: fc.string({ unit: 'binary', minLength: 1, maxLength: 1 }) },
);
const textArb = fc.string({ unit: charArb, minLength: 1, maxLength: 12 });

// JSON texts that trip parsers: huge and special numbers, deep nesting, duplicate and prototype
// keys, lone surrogates, BOMs, near-misses, and arbitrary JSON values.
const jsonEdgeArb = fc.oneof(
  fc.constantFrom(
    '{"alg":"none"}',
    '{"alg":"HS256","alg":"none","kid":"hs"}',
    '{"alg":"HS256","kid":"hs","exp":1e400}',
    '{"exp":99999999999999999999999999999999999}',
    '{"exp":-0,"nbf":-1e308}',
    '{"__proto__":{"alg":"HS256","kid":"hs"}}',
    '{"constructor":{"prototype":{"x":1}}}',
    '{"alg":"dir","enc":"A256GCM","kid":"dir","zip":"DEF"}',
    '{"alg":"HS256","kid":"hs","crit":[]}',
    '{"sub":"\\ud800","exp":2000000000}',
    '\uFEFF{"alg":"HS256"}',
    '{"alg":"HS256",}',
    '{"alg":"HS256"} ',
    ' {"alg":"HS256"}',
    '{"a":' + '['.repeat(3000) + ']'.repeat(3000) + '}',
    '{}',
    '[]',
    'null',
    '',
  ),
  fc.jsonValue({ maxDepth: 4 }).map((v) => JSON.stringify(v)),
  fc
    .dictionary(
      fc.constantFrom('alg', 'kid', 'typ', 'enc', 'exp', 'crit', 'jwk', 'x5u'),
      fc.jsonValue({ maxDepth: 2 }),
    )
    .map((v) => JSON.stringify(v)),
  fc.string({ unit: 'binary', maxLength: 40 }),
);
const segmentArb = fc.oneof(
  jsonEdgeArb.map((json) => b64(json)),
  fc.uint8Array({ maxLength: 48 }).map((bytes) => b64(bytes)),
  fc.string({ unit: fc.constantFrom(...ALPHABET), maxLength: 60 }),
);

type Mutation = (token: string, pool: readonly string[]) => string;

const mutationArb: fc.Arbitrary<Mutation> = fc.oneof(
  fc.record({ at: fc.nat(), ch: charArb }).map(
    ({ at, ch }): Mutation =>
      (t) => {
        const i = at % Math.max(t.length, 1);
        return t.slice(0, i) + ch + t.slice(i + 1);
      },
  ),
  // The last character of a segment holds the spare bits of base64url: a favourite for leniency.
  fc.record({ i: fc.nat(4), ch: fc.constantFrom(...ALPHABET) }).map(
    ({ i, ch }): Mutation =>
      (t) => {
        const parts = t.split('.');
        const k = i % parts.length;
        parts[k] = parts[k]!.slice(0, -1) + ch;
        return parts.join('.');
      },
  ),
  fc.nat().map(
    (at): Mutation =>
      (t) =>
        t.slice(0, at % Math.max(t.length, 1)),
  ),
  textArb.map(
    (s): Mutation =>
      (t) =>
        t + s,
  ),
  fc.record({ at: fc.nat(), s: textArb }).map(
    ({ at, s }): Mutation =>
      (t) => {
        const i = at % (t.length + 1);
        return t.slice(0, i) + s + t.slice(i);
      },
  ),
  fc.record({ at: fc.nat(), n: fc.integer({ min: 1, max: 8 }) }).map(
    ({ at, n }): Mutation =>
      (t) => {
        const i = at % Math.max(t.length, 1);
        return t.slice(0, i) + t.slice(i + n);
      },
  ),
  segmentArb.map(
    (s): Mutation =>
      (t) =>
        `${t}.${s}`,
  ),
  fc.record({ i: fc.nat(4), from: fc.nat(), j: fc.nat(4) }).map(
    ({ i, from, j }): Mutation =>
      (t, pool) => {
        const parts = t.split('.');
        const donor = pool[from % pool.length]!.split('.');
        parts[i % parts.length] = donor[j % donor.length]!;
        return parts.join('.');
      },
  ),
  fc.record({ i: fc.nat(4), s: segmentArb }).map(
    ({ i, s }): Mutation =>
      (t) => {
        const parts = t.split('.');
        parts[i % parts.length] = s;
        return parts.join('.');
      },
  ),
  fc.nat(4).map(
    (i): Mutation =>
      (t) =>
        t.split('.').toSpliced(i, 1).join('.'),
  ),
  fc.constant<Mutation>((t) => t + t),
);

const TOKEN_CODES = new Set([
  'TOKEN_MALFORMED',
  'TOKEN_TOO_LARGE',
  'TOKEN_ALG',
  'TOKEN_KEY_UNKNOWN',
  'TOKEN_SIGNATURE',
  'TOKEN_EXPIRED',
  'TOKEN_CLAIM',
]);

/** The result, or undefined when refused; anything thrown other than a TOKEN_* SessionError fails. */
function attempt(fn: () => VerifiedToken): VerifiedToken | undefined {
  try {
    return fn();
  } catch (e) {
    if (!(e instanceof SessionError)) throw e;
    assert.ok(TOKEN_CODES.has(e.code), `unexpected code ${e.code}`);
    return undefined;
  }
}

/** What every accepted token satisfies, whoever made it. */
function assertSound(r: VerifiedToken): void {
  assert.equal(typeof r.payload, 'object');
  assert.ok(r.payload !== null && !Array.isArray(r.payload));
  assert.ok(typeof r.payload.exp === 'number' && Number.isFinite(r.payload.exp) && r.payload.exp > NOW);
  assert.ok(['HS256', 'EdDSA', 'dir'].includes(r.header.alg));
  assert.ok(!Object.hasOwn(r.header, 'crit') && !Object.hasOwn(r.header, 'zip'));
}

const formats = [
  { name: 'signed (JWS)', valid: jwsValid, check: (t: string) => verifyToken(t, ring, opts) },
  { name: 'sealed (JWE)', valid: jweValid, check: (t: string) => openToken(t, ring, opts) },
] as const;

for (const { name, valid, check } of formats) {
  describe(`${name} tokens under generated input`, () => {
    const validSet = new Set<string>(valid);

    test('the valid tokens are accepted', () => {
      for (const t of valid) assertSound(check(t));
    });

    test(`${MUTATED_RUNS} mutated valid tokens: refused with a SessionError unless byte-identical to a valid one`, () => {
      fc.assert(
        fc.property(
          fc.nat(valid.length - 1),
          fc.array(mutationArb, { minLength: 1, maxLength: 4 }),
          (k, mutations) => {
            const token = mutations.reduce((t, m) => m(t, [...jwsValid, ...jweValid]), valid[k]!);
            const r = attempt(() => check(token));
            if (r !== undefined) {
              assert.ok(validSet.has(token), `accepted a token that is not one of the valid ones: ${token}`);
              assertSound(r);
            }
          },
        ),
        { numRuns: MUTATED_RUNS },
      );
    });

    test(`${RANDOM_RUNS} random strings: never accepted, always a SessionError`, () => {
      fc.assert(
        fc.property(
          fc.oneof(
            fc.string({ unit: 'binary', maxLength: 300 }),
            fc.string({ unit: charArb, maxLength: 400 }),
            fc.array(segmentArb, { minLength: 1, maxLength: 7 }).map((s) => s.join('.')),
          ),
          (token) => {
            assert.equal(
              attempt(() => check(token)),
              undefined,
            );
          },
        ),
        { numRuns: RANDOM_RUNS },
      );
    });
  });
}

// Junk under the real keys reaches past the signature into header, payload and claim checks:
// headers are mostly the right one for the key, payloads mostly claim sets with edge values.
const junkHeaderArb = fc.record(
  {
    alg: fc.constantFrom('HS256', 'EdDSA', 'dir', 'none', 'None', 'HS512', 'A256KW', 1, null),
    enc: fc.constantFrom('A256GCM', 'A128GCM', 'none'),
    kid: fc.constantFrom('hs', 'ed', 'dir', 'gone', '', 7),
    typ: fc.constantFrom('JWT', 'jwt', 'at+jwt', 1),
    crit: fc.constant(['exp']),
    zip: fc.constant('DEF'),
    jwk: fc.constant({ kty: 'oct', k: 'AAAA' }),
    x5u: fc.constant('https://attacker.example/cert.pem'),
  },
  { requiredKeys: [] },
);
const headerArb = (right: object) =>
  fc.oneof({ weight: 3, arbitrary: fc.constant(right) }, { weight: 2, arbitrary: junkHeaderArb });
const numberArb = fc.oneof(
  fc.integer({ min: NOW - 100, max: NOW + 100 }),
  fc.double(),
  fc.constantFrom(Number.MAX_SAFE_INTEGER, 1e308, -0, 0.5),
  fc.string({ maxLength: 4 }),
  fc.constant(null),
);
const payloadArb = fc.oneof(
  { weight: 1, arbitrary: jsonEdgeArb },
  {
    weight: 3,
    arbitrary: fc
      .record(
        {
          exp: numberArb,
          nbf: numberArb,
          iat: numberArb,
          iss: fc.jsonValue({ maxDepth: 1 }),
          aud: fc.oneof(fc.string(), fc.array(fc.jsonValue({ maxDepth: 1 }))),
          sub: fc.jsonValue({ maxDepth: 1 }),
          jti: fc.jsonValue({ maxDepth: 1 }),
        },
        { requiredKeys: [] },
      )
      .map((v) => JSON.stringify(v)),
  },
);

describe('junk under the real keys', () => {
  test(`${JUNK_RUNS} signed junk headers and claims: refused with a SessionError or sound`, () => {
    const arb = fc.oneof(
      fc.tuple(headerArb({ alg: 'HS256', kid: 'hs' }), payloadArb).map(([h, p]) => hsJws(h, b64(p))),
      fc.tuple(headerArb({ alg: 'EdDSA', kid: 'ed' }), payloadArb).map(([h, p]) => edJws(h, b64(p))),
    );
    fc.assert(
      fc.property(arb, (token) => {
        const r = attempt(() => verifyToken(token, ring, opts));
        if (r !== undefined) assertSound(r);
      }),
      { numRuns: JUNK_RUNS },
    );
  });

  test(`${JUNK_RUNS} sealed junk headers and claims: refused with a SessionError or sound`, () => {
    fc.assert(
      fc.property(headerArb({ alg: 'dir', enc: 'A256GCM', kid: 'dir' }), payloadArb, (header, payload) => {
        const r = attempt(() => openToken(dirJwe(header, payload), ring, opts));
        if (r !== undefined) assertSound(r);
      }),
      { numRuns: JUNK_RUNS },
    );
  });
});

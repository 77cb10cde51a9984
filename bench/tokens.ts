/**
 * Token engine throughput against jose, in one run: HS256 verify (the per-request path of the
 * stateless strategy), HS256 sign, and dir+A256GCM seal+open and open.
 *
 *   node --import tsx bench/tokens.ts [--quick] [--rounds 15] [--ms 200] [--write-docs]
 *
 * Each case is warmed up, then timed for several rounds of a fixed duration, the rounds of
 * statecraft and of jose alternating. jose's keys are imported once, and it is measured with
 * each form of key it accepts (CryptoKey, KeyObject, Uint8Array): a CryptoKey is its fastest,
 * as it converts the others on every call.
 *
 * Two figures per case:
 * - ops/s of wall-clock time, the median over rounds, and the median (and range) of the
 *   per-round ratios statecraft/jose;
 * - ops per CPU-second of the whole process, jose's thread-pool workers included: all the work
 *   each side does, hand-offs between threads included. On a busy machine wall-clock rounds
 *   are at the mercy of other processes; CPU time much less so.
 *
 * Figures go to bench/results.json; `--write-docs` regenerates the "Tokens: last run" section
 * of docs/BENCHMARKS.md (the reading of the figures in "Tokens" is written by hand).
 */
import { createSecretKey, type KeyObject, randomBytes, type webcrypto } from 'node:crypto';
import { arch, cpus, loadavg, platform } from 'node:os';
import { parseArgs } from 'node:util';
import * as jose from 'jose';
import {
  createKeyring,
  openToken,
  sealToken,
  signToken,
  verifyToken,
} from '../packages/statecraft/src/tokens/index.js';
import { measure, type Op, type Rate } from './lib/micro.js';
import { sessionClaims } from './lib/payload.js';
import { publish } from './lib/publish.js';
import { figure, figuresTable, startEntry } from './lib/results.js';
import { median } from './lib/stats.js';

const { values } = parseArgs({
  options: {
    quick: { type: 'boolean', default: false },
    rounds: { type: 'string' },
    ms: { type: 'string' },
    'write-docs': { type: 'boolean', default: false },
  },
});
const ROUNDS = Number(values.rounds ?? (values.quick ? 5 : 15));
const ROUND_MS = Number(values.ms ?? (values.quick ? 100 : 200));
const entry = startEntry('tokens', 'Token engine vs jose', 'bench/tokens.ts', {
  quick: values.quick,
  rounds: ROUNDS,
  ms: ROUND_MS,
});
const load = () =>
  loadavg()
    .map((l) => l.toFixed(1))
    .join(' ');
const loadAtStart = load();

function fmt(n: number): string {
  return Math.round(n).toLocaleString('en-US');
}

// A typical session token: ~200-byte payload.
const secret = randomBytes(32);
const sealSecret = randomBytes(32);
const claims = sessionClaims();
const keyring = createKeyring([
  { kid: 'hs-1', alg: 'HS256', secret },
  { kid: 'seal-1', alg: 'dir', enc: 'A256GCM', secret: sealSecret },
]);
const token = signToken(claims, keyring);
const sealed = sealToken(claims, keyring);

const hmacKeyObject = createSecretKey(secret);
const hmacCryptoKey = await crypto.subtle.importKey('raw', secret, { name: 'HMAC', hash: 'SHA-256' }, false, [
  'sign',
  'verify',
]);
const sealKeyObject = createSecretKey(sealSecret);
const sealCryptoKey = await crypto.subtle.importKey('raw', sealSecret, 'AES-GCM', false, [
  'encrypt',
  'decrypt',
]);

// The same token for both, checked by both before timing starts.
verifyToken(token, keyring);
await jose.jwtVerify(token, hmacCryptoKey);

interface Row {
  name: string;
  joseKey: string;
  ours: Rate;
  jose: Rate;
  /** Wall-clock: median, lowest and highest of the per-round ratios. */
  ratio: [median: number, low: number, high: number];
  /** CPU time: ratio of the medians. */
  cpuRatio: number;
}
const rows: Row[] = [];

/** Measures our op against each form of key jose accepts, interleaved. */
async function compare(name: string, ours: Op, jose: Record<string, Op>): Promise<void> {
  console.error(name);
  const [oursRates, ...joseRates] = await measure([ours, ...Object.values(jose)], ROUNDS, ROUND_MS);
  const oursMedian = {
    wall: median(oursRates!.map((r) => r.wall)),
    cpu: median(oursRates!.map((r) => r.cpu)),
  };
  for (const [i, joseKey] of Object.keys(jose).entries()) {
    const theirs = joseRates[i]!;
    const joseMedian = { wall: median(theirs.map((r) => r.wall)), cpu: median(theirs.map((r) => r.cpu)) };
    const ratios = oursRates!.map((rate, r) => rate.wall / theirs[r]!.wall);
    rows.push({
      name,
      joseKey,
      ours: oursMedian,
      jose: joseMedian,
      ratio: [median(ratios), Math.min(...ratios), Math.max(...ratios)],
      cpuRatio: oursMedian.cpu / joseMedian.cpu,
    });
  }
}

const joseSign = (key: webcrypto.CryptoKey | KeyObject | Uint8Array) => () =>
  new jose.SignJWT(claims).setProtectedHeader({ alg: 'HS256', typ: 'JWT' }).sign(key);
const joseSealOpen = (key: webcrypto.CryptoKey | KeyObject) => async () =>
  jose.jwtDecrypt(
    await new jose.EncryptJWT(claims).setProtectedHeader({ alg: 'dir', enc: 'A256GCM' }).encrypt(key),
    key,
  );

await compare('HS256 verify', () => verifyToken(token, keyring), {
  CryptoKey: () => jose.jwtVerify(token, hmacCryptoKey),
  KeyObject: () => jose.jwtVerify(token, hmacKeyObject),
  Uint8Array: () => jose.jwtVerify(token, secret),
});
await compare('HS256 sign', () => signToken(claims, keyring), {
  CryptoKey: joseSign(hmacCryptoKey),
  KeyObject: joseSign(hmacKeyObject),
  Uint8Array: joseSign(secret),
});
await compare('dir+A256GCM seal+open', () => openToken(sealToken(claims, keyring), keyring), {
  CryptoKey: joseSealOpen(sealCryptoKey),
  KeyObject: joseSealOpen(sealKeyObject),
});
await compare('dir+A256GCM open', () => openToken(sealed, keyring), {
  CryptoKey: () => jose.jwtDecrypt(sealed, sealCryptoKey),
  KeyObject: () => jose.jwtDecrypt(sealed, sealKeyObject),
});

console.log(
  `\nNode ${process.version}, ${platform()}/${arch()}, ${cpus().length} x ${cpus()[0]?.model ?? 'unknown CPU'}, ` +
    `load ${loadAtStart} -> ${load()}; token ${token.length} chars, ` +
    `payload ${JSON.stringify(claims).length} bytes; ${ROUNDS} rounds of ${ROUND_MS} ms\n`,
);
console.log(
  '| Case | jose key | statecraft ops/s | jose ops/s | Ratio, median (range) | statecraft ops/CPU-s | jose ops/CPU-s | CPU ratio |',
);
console.log('| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: |');
for (const r of rows) {
  const [mid, low, high] = r.ratio;
  console.log(
    `| ${r.name} | ${r.joseKey} | ${fmt(r.ours.wall)} | ${fmt(r.jose.wall)} | ` +
      `${mid.toFixed(1)}x (${low.toFixed(1)}-${high.toFixed(1)}) | ` +
      `${fmt(r.ours.cpu)} | ${fmt(r.jose.cpu)} | ${r.cpuRatio.toFixed(1)}x |`,
  );
}

const verify = rows.filter((r) => r.name === 'HS256 verify');
const verdict = (x: number) => `${x.toFixed(1)}x${x >= 10 ? '' : ' (below 10x)'}`;
const worst = (list: Row[], pick: (r: Row) => number) => Math.min(...list.map(pick));
const imported = verify.filter((r) => r.joseKey !== 'CryptoKey');
console.log(
  `\nHS256 verify, goal >= 10x. Against jose with a KeyObject or Uint8Array: ` +
    `${verdict(worst(imported, (r) => r.ratio[0]))} wall, ${verdict(worst(imported, (r) => r.cpuRatio))} CPU. ` +
    `Against jose with a CryptoKey: ${verdict(worst(verify, (r) => r.ratio[0]))} wall, ` +
    `${verdict(worst(verify, (r) => r.cpuRatio))} CPU.`,
);

// Every case against every form of jose key; the goal (10x) is on HS256 verify.
const figures = rows.map((r) =>
  figure({
    id: `tokens/${r.name}/${r.joseKey}`,
    label: `${r.name} vs jose (${r.joseKey})`,
    value: r.ours.wall,
    unit: 'ops/s',
    baseline: { label: `jose, ${r.joseKey}`, value: r.jose.wall },
    ratio: r.ratio[0],
    goal: r.name === 'HS256 verify' ? { op: '>=', target: 10 } : null,
    extra: { ratioMin: r.ratio[1], ratioMax: r.ratio[2], cpuRatio: r.cpuRatio },
  }),
);
publish(
  entry.finish(figures),
  'Tokens: last run',
  [
    `${ROUNDS} rounds of ${ROUND_MS} ms per case; ratio: median of the per-round ratios (wall clock). ` +
      'How the cases are measured and what the figures mean: "Tokens" above.',
    '',
    figuresTable(figures),
    '',
  ],
  values['write-docs'],
);

/**
 * Sealed (JWE dir + A256GCM) session tokens against iron-session's seal and unseal, in process,
 * on the same payload: seal+unseal (the goal: at least 2x iron-session), unseal alone (every
 * request) and seal alone (every write).
 *
 *   node --import tsx --conditions=statecraft-source bench/sealed.ts [--quick] [--rounds=15] [--ms=200]
 *     [--write-docs]
 *
 * Rounds of the two sides alternate (bench/lib/micro.ts); the ratio kept is the median of the
 * per-round ratios, with their min–max, and the CPU ratio (ops per CPU-second) beside it.
 */
import { randomBytes } from 'node:crypto';
import { parseArgs } from 'node:util';
import { sealData, unsealData } from 'iron-session';
import { createKeyring, openToken, sealToken } from '../packages/statecraft/src/tokens/index.js';
import { machineLine } from './lib/machine.js';
import { measure, type Op } from './lib/micro.js';
import { sessionClaims } from './lib/payload.js';
import { publish } from './lib/publish.js';
import { type Figure, figure, figuresTable, startEntry } from './lib/results.js';
import { fmtGoal, fmtRatio, type Goal, median, spread } from './lib/stats.js';

const { values: args } = parseArgs({
  options: {
    quick: { type: 'boolean', default: false },
    rounds: { type: 'string' },
    ms: { type: 'string' },
    'write-docs': { type: 'boolean', default: false },
  },
});
const ROUNDS = Number(args.rounds ?? (args.quick ? 5 : 15));
const MS = Number(args.ms ?? (args.quick ? 100 : 200));
const entry = startEntry('sealed', 'Sealed tokens vs iron-session', 'bench/sealed.ts', {
  quick: args.quick,
  rounds: ROUNDS,
  ms: MS,
});

// The payload of bench/tokens.ts: a typical session, about 200 bytes of JSON.
const claims = sessionClaims();
const keyring = createKeyring([{ kid: 'seal-1', alg: 'dir', enc: 'A256GCM', secret: randomBytes(32) }]);
// iron-session wants a password of at least 32 characters.
const iron = { password: randomBytes(32).toString('hex'), ttl: 3600 };

const sealed = sealToken(claims, keyring);
const ironSealed = await sealData(claims, iron);
// Both sides must give the payload back before anything is timed.
const check = JSON.stringify(claims);
if (JSON.stringify(openToken(sealed, keyring).payload) !== check)
  throw new Error('openToken lost the payload');
if (JSON.stringify(await unsealData(ironSealed, iron)) !== check)
  throw new Error('unsealData lost the payload');

const CASES: { id: string; label: string; ours: Op; theirs: Op; goal: Goal | null }[] = [
  {
    id: 'seal+unseal',
    label: 'seal + unseal',
    ours: () => openToken(sealToken(claims, keyring), keyring),
    theirs: async () => unsealData(await sealData(claims, iron), iron),
    goal: { op: '>=', target: 2 },
  },
  {
    id: 'unseal',
    label: 'unseal (every request)',
    ours: () => openToken(sealed, keyring),
    theirs: () => unsealData(ironSealed, iron),
    goal: null,
  },
  {
    id: 'seal',
    label: 'seal (every write)',
    ours: () => sealToken(claims, keyring),
    theirs: () => sealData(claims, iron),
    goal: null,
  },
];

console.log(`Machine: ${machineLine(entry.machine)}`);
const figures: Figure[] = [];
for (const c of CASES) {
  const [ours, theirs] = await measure([c.ours, c.theirs], ROUNDS, MS);
  const perRound = ours!.map((r, i) => r.wall / theirs![i]!.wall);
  const f = figure({
    id: `sealed/${c.id}`,
    label: `JWE ${c.label} vs iron-session`,
    value: median(ours!.map((r) => r.wall)),
    unit: 'ops/s',
    spread: spread(ours!.map((r) => r.wall)),
    baseline: { label: 'iron-session', value: median(theirs!.map((r) => r.wall)) },
    ratio: median(perRound),
    goal: c.goal,
    extra: {
      ratioMin: Math.min(...perRound),
      ratioMax: Math.max(...perRound),
      cpuRatio: median(ours!.map((r) => r.cpu)) / median(theirs!.map((r) => r.cpu)),
    },
  });
  figures.push(f);
  console.log(
    `${f.label}: ${Math.round(f.value)} vs ${Math.round(f.baseline!.value)} ops/s, ${fmtRatio(f.ratio!)} ` +
      `(${fmtRatio(f.extra!.ratioMin as number)}–${fmtRatio(f.extra!.ratioMax as number)}), ` +
      `CPU ${fmtRatio(f.extra!.cpuRatio as number)} ${fmtGoal(f.ratio!, f.goal, f.status)}`,
  );
}

publish(
  entry.finish(figures),
  'Sealed tokens vs iron-session',
  [
    `In one process, on the same ${check.length}-byte JSON payload: statecraft's \`sealToken\`/\`openToken\` ` +
      `(JWE dir + A256GCM, ${sealed.length} characters) against iron-session's \`sealData\`/\`unsealData\` ` +
      `(${ironSealed.length} characters). ${ROUNDS} rounds of ${MS} ms per side after a warm-up, the sides ` +
      'alternating; "value" is statecraft\'s median ops/s with its min–max, "ratio" the median of the ' +
      'per-round ratios. CPU ratio (ops per CPU-second, all threads): ' +
      figures.map((f) => `${f.label.split(' vs')[0]} ${fmtRatio(f.extra!.cpuRatio as number)}`).join(', ') +
      '.',
    '',
    figuresTable(figures),
    '',
  ],
  args['write-docs'],
);

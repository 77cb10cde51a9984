/**
 * C7 — "Stateless scales horizontally more easily; stateful needs session sync." Three signs
 * that a mode is harder to scale than stateless: it needs session sync (store operations per
 * request beyond STORE_OPS_NEGLIGIBLE while stateless needs none), its load stays skewed after
 * an instance joins (skew beyond stateless's by SKEW_MARGIN), or it gains less from N instances
 * (scaling ratio below stateless's by SCALING_MARGIN). Stateless scales more easily than a
 * mode that shows at least one sign, provided stateless itself scales no worse.
 */
import type { ClaimResult, Mode, ModeReport } from '../model.js';
import { list, num } from './format.js';
import { FigureReader } from './reader.js';
import { describeMode, STATEFUL_MODES, STATELESS_MODE } from './roles.js';
import {
  compareBeyond,
  MIN_SCALING_GAIN,
  SCALING_MARGIN,
  SKEW_MARGIN,
  STORE_OPS_NEGLIGIBLE,
} from './thresholds.js';

const T1 = 'throughput_1_instance';
const TN = 'throughput_n_instances';
const RATIO = 'scaling_ratio';
const OPS = 'store_ops_per_request';
const SKEW = 'load_skew_after_join';

/** The C7 metrics, for rules that build on it (C11). */
export const SCALING_METRICS = [T1, TN, RATIO, OPS, SKEW] as const;

/** True when at least one of the two modes gained MIN_SCALING_GAIN from N instances. */
export function ratiosComparable(r: FigureReader, a: Mode, b: Mode): boolean {
  return Math.max(r.num(a, RATIO), r.num(b, RATIO)) >= MIN_SCALING_GAIN;
}

/** One sign that a mode is harder to scale than another. */
export interface ScalingCost {
  kind: 'sync' | 'skew' | 'ratio';
  words: string;
}

/**
 * What makes `m` harder to scale than `base` (empty when nothing does). The reader must have
 * read the C7 metrics for both.
 */
export function scalingCosts(r: FigureReader, m: Mode, base: Mode = STATELESS_MODE): ScalingCost[] {
  const costs: ScalingCost[] = [];
  // A missing count cannot show sync; C7 itself refuses to judge without it (see gaps).
  const ops = r.value(m, OPS);
  const baseOps = r.value(base, OPS);
  if (ops !== null && baseOps !== null && ops > STORE_OPS_NEGLIGIBLE && baseOps <= STORE_OPS_NEGLIGIBLE) {
    costs.push({ kind: 'sync', words: `session sync (${num(ops)} store operations per request)` });
  }
  if (compareBeyond(r.num(m, SKEW), r.num(base, SKEW), SKEW_MARGIN) > 0) {
    costs.push({
      kind: 'skew',
      words: `skewed load after a join (${num(r.num(m, SKEW))} against ${num(r.num(base, SKEW))})`,
    });
  }
  if (
    ratiosComparable(r, m, base) &&
    compareBeyond(r.num(m, RATIO), r.num(base, RATIO), SCALING_MARGIN) < 0
  ) {
    costs.push({
      kind: 'ratio',
      words: `less gain from more instances (×${num(r.num(m, RATIO))} against ×${num(r.num(base, RATIO))})`,
    });
  }
  return costs;
}

/** The C7 rule. */
export function c07(modes: readonly ModeReport[]): ClaimResult {
  const r = new FigureReader('C7', modes, SCALING_METRICS);
  const stateful = r.present(STATEFUL_MODES);
  const absent = r.missingModes(stateful.length ? [STATELESS_MODE] : [STATELESS_MODE, ...STATEFUL_MODES]);
  if (absent) return absent;
  const gap = r.unavailable([STATELESS_MODE, ...stateful], [RATIO, OPS, SKEW]);
  if (gap) return gap;

  const s = STATELESS_MODE;
  const says = (m: Mode) =>
    `${m} ×${num(r.num(m, RATIO))} with N instances, ${num(r.num(m, OPS))} store ops/request, skew ${num(r.num(m, SKEW))} after a join`;
  const uncompared = stateful.filter((m) => !ratiosComparable(r, s, m));
  const caveat =
    uncompared.length > 0
      ? ` Scaling ratios were not compared for ${list(uncompared)} against stateless: neither side gained ×${MIN_SCALING_GAIN} from N instances, so the machine's cores were already busy.`
      : '';
  const figures = `${list([s, ...stateful].map(says))}.${caveat}`;
  const verdicts = stateful.map((m) => {
    const theirs = scalingCosts(r, m).map((c) => c.words);
    const ours = scalingCosts(r, s, m).map((c) => c.words);
    return { m, theirs, ours, easier: theirs.length > 0 && ours.length === 0 };
  });
  const easier = verdicts.filter((v) => v.easier);
  const harder = verdicts.filter((v) => !v.easier);
  const why = (v: (typeof verdicts)[number]) => `${v.m} shows ${list(v.theirs)}`;
  if (harder.length === 0) {
    return r.result('holds', `Stateless scales more easily: ${list(easier.map(why))}. Figures: ${figures}`);
  }
  const whyNot = (v: (typeof verdicts)[number]) =>
    v.ours.length > 0
      ? `stateless shows ${list(v.ours)} against ${v.m}`
      : `${v.m} scaled as easily as stateless`;
  if (easier.length === 0) {
    return r.result(
      'does not hold',
      `No stateful mode was harder to scale: ${list(harder.map(whyNot))}. Figures: ${figures}`,
    );
  }
  return r.result(
    'depends',
    `Stateless scales more easily than ${list(easier.map((v) => describeMode(r.mode(v.m))))}: ${list(easier.map(why))}; not than ${list(harder.map((v) => describeMode(r.mode(v.m))))}: ${list(harder.map(whyNot))}. Figures: ${figures}`,
  );
}

/**
 * bench/results.json: every figure of the last `npm run bench` (or of a bench run alone), each
 * with its baseline from the same run, its ratio and its goal verdict, beside the machine it ran
 * on and the command that reproduces it. Each bench replaces its own entry and no other.
 */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { describeMachine, type Machine } from './machine.js';
import {
  fmtGoal,
  fmtNum,
  fmtRatio,
  fmtSpread,
  type Goal,
  goalStatus,
  ratio,
  type Spread,
  type Status,
} from './stats.js';

export const ROOT = resolve(import.meta.dirname, '../..');
export const RESULTS_FILE = join(ROOT, 'bench/results.json');

export interface Figure {
  id: string;
  label: string;
  /** The figure kept: a median over rounds, unless the unit says otherwise. */
  value: number;
  unit: string;
  /** How the rounds spread around it, or null for a single measurement. */
  spread: Spread | null;
  /** What it is set against in the same run, or null when it stands alone. */
  baseline: { label: string; value: number } | null;
  /** value ÷ baseline (or the figure's own ratio for goals on a ratio); null without one. */
  ratio: number | null;
  goal: Goal | null;
  status: Status;
  /** Further figures of the same measurement (CPU per request, p99, …). */
  extra?: Record<string, number | string>;
  /** Why a goal whose ratio is met was still missed. */
  why?: string;
}

export interface BenchEntry {
  name: string;
  title: string;
  command: string;
  startedAt: string;
  finishedAt: string;
  machine: Machine;
  loadAverageAfter: number[];
  settings: Record<string, number | string | boolean>;
  figures: Figure[];
}

export interface Results {
  schema: 1;
  command: string;
  startedAt: string;
  /** The commit measured (`git rev-parse --short HEAD`), noting uncommitted changes. */
  revision?: string;
  machine: Machine;
  benches: Record<string, BenchEntry>;
}

export interface FigureInput {
  id: string;
  label: string;
  value: number;
  unit: string;
  spread?: Spread | null;
  baseline?: { label: string; value: number } | null;
  /** Defaults to value ÷ baseline.value. */
  ratio?: number | null;
  goal?: Goal | null;
  /** Errors during the measurement: the verdict is `invalid`, whatever the ratio. */
  invalid?: boolean;
  extra?: Record<string, number | string>;
}

/** A figure with its ratio and verdict worked out. */
export function figure(f: FigureInput): Figure {
  const baseline = f.baseline ?? null;
  const r = f.ratio !== undefined ? f.ratio : baseline ? ratio(f.value, baseline.value) : null;
  const goal = f.goal ?? null;
  return {
    id: f.id,
    label: f.label,
    value: f.value,
    unit: f.unit,
    spread: f.spread ?? null,
    baseline,
    ratio: r === null || Number.isNaN(r) ? null : r,
    goal,
    status: goalStatus(r ?? Number.NaN, goal, f.invalid ?? false),
    ...(f.extra ? { extra: f.extra } : {}),
  };
}

/** How to run `file` (relative to the repository) again, with the arguments this run had. */
export function commandOf(file: string, argv = process.argv.slice(2)): string {
  const rel = relative(ROOT, resolve(ROOT, file));
  return ['node --import tsx --conditions=statecraft-source', rel, ...argv].join(' ');
}

/** Problems with the shape of a results document; empty when it is well formed. */
export function checkResults(x: unknown): string[] {
  const out: string[] = [];
  const isObj = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null;
  if (!isObj(x)) return ['not an object'];
  if (x.schema !== 1) out.push('schema is not 1');
  for (const k of ['command', 'startedAt']) if (typeof x[k] !== 'string') out.push(`${k} is not a string`);
  const checkMachine = (m: unknown, at: string) => {
    if (!isObj(m)) {
      out.push(`${at}.machine is missing`);
      return;
    }
    for (const k of ['cpus', 'memoryGiB']) if (typeof m[k] !== 'number') out.push(`${at}.machine.${k}`);
    for (const k of ['model', 'node']) if (typeof m[k] !== 'string') out.push(`${at}.machine.${k}`);
    if (!Array.isArray(m.loadAverage) || m.loadAverage.length !== 3) out.push(`${at}.machine.loadAverage`);
  };
  checkMachine(x.machine, 'results');
  if (!isObj(x.benches)) return [...out, 'benches is not an object'];
  for (const [name, b] of Object.entries(x.benches)) {
    const at = `benches.${name}`;
    if (!isObj(b)) {
      out.push(`${at} is not an object`);
      continue;
    }
    if (b.name !== name) out.push(`${at}.name differs from its key`);
    if (typeof b.command !== 'string' || !b.command.includes('bench/')) out.push(`${at}.command`);
    checkMachine(b.machine, at);
    if (!Array.isArray(b.figures) || b.figures.length === 0) {
      out.push(`${at}.figures is empty`);
      continue;
    }
    for (const [i, f] of (b.figures as unknown[]).entries()) {
      const fa = `${at}.figures[${i}]`;
      if (!isObj(f)) {
        out.push(`${fa} is not an object`);
        continue;
      }
      if (typeof f.id !== 'string' || typeof f.label !== 'string' || typeof f.unit !== 'string') out.push(fa);
      if (typeof f.value !== 'number' && f.value !== null) out.push(`${fa}.value`);
      if (!['met', 'missed', 'invalid', 'none'].includes(f.status as string)) out.push(`${fa}.status`);
      if ((f.goal === null) !== (f.status === 'none'))
        out.push(`${fa}: a goal needs a verdict and only a goal`);
      if (f.goal !== null && typeof f.ratio !== 'number' && f.status !== 'invalid') out.push(`${fa}.ratio`);
    }
  }
  return out;
}

/** `results` with `entry` in place of the bench of the same name. */
export function mergeEntry(results: Results | null, entry: BenchEntry): Results {
  const base: Results = results ?? {
    schema: 1,
    command: entry.command,
    startedAt: entry.startedAt,
    machine: entry.machine,
    benches: {},
  };
  return { ...base, benches: { ...base.benches, [entry.name]: entry } };
}

/** Reads bench/results.json, or null when it is missing or not a results document. */
export function readResults(file = RESULTS_FILE): Results | null {
  if (!existsSync(file)) return null;
  try {
    const x = JSON.parse(readFileSync(file, 'utf8')) as Results;
    return x.schema === 1 && typeof x.benches === 'object' && x.benches !== null ? x : null;
  } catch {
    return null;
  }
}

/**
 * Where a bench records its figures: the file `npm run bench` names (bench/results.json), or,
 * for a bench run alone, one of its own under reports/, so that a lone run (perhaps while the
 * full one is going) never replaces figures of the full run.
 */
export function resultsFileFor(name: string, env = process.env): string {
  return env.BENCH_RESULTS ? resolve(ROOT, env.BENCH_RESULTS) : join(ROOT, `reports/results-${name}.json`);
}

export function recordBench(entry: BenchEntry, file = resultsFileFor(entry.name)): void {
  mkdirSync(dirname(file), { recursive: true });
  // JSON has no NaN: a figure that could not be measured is stored as null.
  const text = JSON.stringify(mergeEntry(readResults(file), entry), (_k, v) =>
    typeof v === 'number' && !Number.isFinite(v) ? null : v,
  );
  writeFileSync(file, `${JSON.stringify(JSON.parse(text), null, 2)}\n`);
  console.log(`recorded ${entry.figures.length} figures of "${entry.name}" in ${relative(ROOT, file)}`);
}

/** Starts an entry: the machine and its load are read now, before the measurement. */
export function startEntry(name: string, title: string, file: string, settings: BenchEntry['settings']) {
  const startedAt = new Date().toISOString();
  const machine = describeMachine();
  return {
    machine,
    finish(figures: Figure[]): BenchEntry {
      return {
        name,
        title,
        command: commandOf(file),
        startedAt,
        finishedAt: new Date().toISOString(),
        machine,
        loadAverageAfter: describeMachine().loadAverage,
        settings,
        figures,
      };
    },
  };
}

/** The generic table: one row per figure. */
export function figuresTable(figures: readonly Figure[], digits = 0): string {
  const num = (x: number) => fmtNum(x, digits);
  const rows = [
    '| figure | value | spread (min–max) | baseline (same run) | ratio | goal |',
    '|---|--:|--:|--:|--:|---|',
  ];
  for (const f of figures) {
    rows.push(
      `| ${f.label} | ${num(f.value)} ${f.unit} | ${fmtSpread(f.spread, num)} | ` +
        `${f.baseline ? `${num(f.baseline.value)} (${f.baseline.label})` : '—'} | ` +
        `${fmtRatio(f.ratio ?? Number.NaN)} | ${fmtGoal(f.ratio ?? Number.NaN, f.goal, f.status, f.why)} |`,
    );
  }
  return rows.join('\n');
}

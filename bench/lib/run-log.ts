/**
 * The two ends of `npm run bench` (scripts/bench.mjs):
 *
 *   begin "<command>" [--keep]   starts bench/results.json: the command, the machine, its load
 *                                now; --keep (a run of some benches) keeps the figures of the others
 *   summary [--write-docs]   checks its shape and prints every figure that has a goal, with its
 *                            verdict; with --write-docs, as the "Goals" section of docs/BENCHMARKS.md
 */
import { spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { writeSection } from './docs.js';
import { describeMachine, machineLine } from './machine.js';
import { checkResults, RESULTS_FILE, type Results, ROOT, readResults } from './results.js';
import { fmtGoal, fmtRatio } from './stats.js';

const [what, command = 'npm run bench'] = process.argv.slice(2);

/** The commit measured, and whether the working tree differed from it. */
function revision(): string {
  const git = (...a: string[]) => spawnSync('git', a, { cwd: ROOT, encoding: 'utf8' }).stdout?.trim() ?? '';
  const head = git('rev-parse', '--short', 'HEAD') || 'unknown';
  return git('status', '--porcelain', '--untracked-files=no') ? `${head} with uncommitted changes` : head;
}

if (what === 'begin') {
  const machine = describeMachine();
  const kept = process.argv.includes('--keep') ? (readResults()?.benches ?? {}) : {};
  const results: Results = {
    schema: 1,
    command,
    startedAt: new Date().toISOString(),
    revision: revision(),
    machine,
    benches: kept,
  };
  writeFileSync(RESULTS_FILE, `${JSON.stringify(results, null, 2)}\n`);
  console.log(`Machine: ${machineLine(machine)}`);
} else if (what === 'summary') {
  const results = readResults();
  const problems = results ? checkResults(results) : ['bench/results.json is missing'];
  if (results) {
    const benches = Object.values(results.benches);
    // A run of some benches keeps the others' figures: say which run measured each.
    const partial = benches.some((b) => b.startedAt < results.startedAt);
    const measured = (b: (typeof benches)[number]) =>
      `${b.startedAt.slice(0, 16)}Z${b.machine.model === results.machine.model ? '' : `, ${b.machine.model}`}`;
    const md = [
      '## Goals',
      '',
      (partial
        ? `Every figure with a goal in \`bench/results.json\`: those of the last \`${results.command}\` ` +
          `(${results.startedAt.slice(0, 16)}Z) and those kept from earlier runs, each with the time (and, ` +
          'where it differs, the machine) of the run that measured it; '
        : `Every figure of the last \`${results.command}\` that has a goal (${results.startedAt.slice(0, 16)}Z), `) +
        'each a ratio against a baseline measured in the same run; the sections below give the ' +
        'figures, their spread and how each was measured. All figures: `bench/results.json`. ' +
        '"CPU ratio", where measured: the same comparison in CPU time per operation, what the ratio ' +
        'becomes on a core of its own (the machine is shared, so req/s ratios move with the neighbours).',
      '',
      `${partial ? 'The last run: machine' : 'Machine'}: ${machineLine(results.machine)}. Code: ${results.revision ?? 'unknown revision'}.`,
      '',
      partial
        ? '| bench | figure | ratio | goal | CPU ratio | measured |'
        : '| bench | figure | ratio | goal | CPU ratio |',
      partial ? '|---|---|--:|---|--:|---|' : '|---|---|--:|---|--:|',
    ];
    for (const b of benches) {
      for (const f of b.figures.filter((x) => x.goal !== null)) {
        const r = f.ratio ?? Number.NaN;
        // Where a bench measured it: the same ratio in CPU time, much less at the mercy of neighbours.
        const cpu = typeof f.extra?.cpuRatio === 'number' ? fmtRatio(f.extra.cpuRatio) : '—';
        md.push(
          `| ${b.name} | ${f.label} | ${fmtRatio(r)} | ${fmtGoal(r, f.goal, f.status, f.why)} | ${cpu} |` +
            (partial ? ` ${measured(b)} |` : ''),
        );
      }
    }
    console.log(`\n${md.join('\n')}`);
    if (process.argv.includes('--write-docs')) writeSection('Goals', md.join('\n'));
  }
  for (const p of problems) console.error(`results.json: ${p}`);
  process.exit(problems.length > 0 ? 1 : 0);
} else {
  console.error('usage: run-log.ts begin "<command>" | summary');
  process.exit(2);
}

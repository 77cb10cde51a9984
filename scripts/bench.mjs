#!/usr/bin/env node
// Runs the benchmarks one after another (never in parallel: they measure the machine), each
// printing its figures as ratios against a baseline measured in the same run, recording them in
// bench/results.json and regenerating its section of docs/BENCHMARKS.md. Pass names to run some
// of them (`npm run bench -- tokens touch`), `--quick` for a short run of each.
import { spawnSync } from 'node:child_process';
import { resolve } from 'node:path';

const root = resolve(import.meta.dirname, '..');
// Arguments of the full run keep the whole of it under about 15 minutes on 2 cores.
const ALL = {
  tokens: ['bench/tokens.ts'],
  sealed: ['bench/sealed.ts'],
  touch: ['bench/touch.ts'],
  roundtrips: ['bench/scaling/roundtrips.ts'],
  latency: ['bench/scaling/latency.ts'],
  memory: ['bench/scaling/memory.ts'],
  http: ['bench/http/run.ts'],
  adapters: ['bench/adapters/run.ts', '--duration=2', '--warmup=1'],
  cluster: ['bench/cluster.ts', '--duration=3'],
};
const argv = process.argv.slice(2);
const quick = argv.includes('--quick');
const picked = argv.filter((a) => !a.startsWith('--'));
const names = picked.length > 0 ? picked : Object.keys(ALL);
for (const name of names) {
  if (!ALL[name]) {
    console.error(`unknown benchmark ${name}; benchmarks are ${Object.keys(ALL).join(', ')}`);
    process.exit(2);
  }
}

// The benches record into this file only when run from here; run alone, each keeps its own.
const env = { ...process.env, BENCH_RESULTS: 'bench/results.json' };
const tsx = (args) =>
  spawnSync(process.execPath, ['--conditions=statecraft-source', '--import', 'tsx', ...args], {
    cwd: root,
    stdio: 'inherit',
    env,
  });

const command = ['npm run bench', ...(argv.length ? ['--', ...argv] : [])].join(' ');
tsx(['bench/lib/run-log.ts', 'begin', command, ...(picked.length > 0 ? ['--keep'] : [])]);
const started = Date.now();
const failed = [];
for (const name of names) {
  const [file, ...full] = ALL[name];
  const args = [file, ...(quick ? ['--quick'] : full), '--write-docs'];
  console.log(`\n=== ${name} (${args.join(' ')})`);
  const r = tsx(args);
  if (r.status !== 0) failed.push(name);
}
const summary = tsx(['bench/lib/run-log.ts', 'summary', '--write-docs']);
console.log(`\n${names.length} benchmarks in ${Math.round((Date.now() - started) / 1000)} s`);
if (failed.length > 0) console.error(`failed: ${failed.join(', ')}`);
process.exit(failed.length > 0 || summary.status !== 0 ? 1 : 0);

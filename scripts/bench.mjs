#!/usr/bin/env node
// Runs the benchmarks one after another (never in parallel: they measure the machine), each
// printing its figures as ratios against a baseline measured in the same run. Pass names to
// run some of them: `npm run bench -- tokens touch`.
import { spawnSync } from 'node:child_process';
import { resolve } from 'node:path';

const root = resolve(import.meta.dirname, '..');
const ALL = {
  tokens: 'bench/tokens.ts',
  touch: 'bench/touch.ts',
  adapters: 'bench/adapters/run.ts',
  cluster: 'bench/cluster.ts',
};
const names = process.argv.slice(2).length > 0 ? process.argv.slice(2) : Object.keys(ALL);
let failed = 0;
for (const name of names) {
  const file = ALL[name];
  if (!file) {
    console.error(`unknown benchmark ${name}; benchmarks are ${Object.keys(ALL).join(', ')}`);
    process.exit(2);
  }
  console.log(`\n=== ${name} (${file})`);
  const r = spawnSync(process.execPath, ['--conditions=statecraft-source', '--import', 'tsx', file], {
    cwd: root,
    stdio: 'inherit',
  });
  if (r.status !== 0) failed++;
}
process.exit(failed > 0 ? 1 : 0);

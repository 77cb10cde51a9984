#!/usr/bin/env node
// Runs the test suite: type-checks the tests, then runs every `*.test.ts` under packages/*/test
// (or under the paths given as arguments) with node's test runner, TypeScript loaded by tsx and
// the library resolved from source through the `statecraft-source` export condition.
import { spawnSync } from 'node:child_process';
import { readdirSync, statSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { join, resolve } from 'node:path';

const root = resolve(import.meta.dirname, '..');
const args = process.argv.slice(2);
const roots = args.length > 0 ? args : ['packages/statecraft/test', 'packages/lab/test'];

function collect(p, out) {
  let st;
  try {
    st = statSync(p);
  } catch {
    return out;
  }
  if (st.isFile()) {
    if (p.endsWith('.test.ts')) out.push(p);
    return out;
  }
  for (const e of readdirSync(p).sort()) {
    if (e === 'node_modules' || e === 'fixtures') continue;
    collect(join(p, e), out);
  }
  return out;
}

const files = roots.flatMap((r) => collect(resolve(root, r), []));
if (files.length === 0) {
  console.error(`no test files under ${roots.join(', ')}`);
  process.exit(1);
}

if (!process.env.SKIP_TYPECHECK) {
  for (const project of ['packages/statecraft/tsconfig.test.json', 'packages/lab/tsconfig.test.json']) {
    try {
      statSync(resolve(root, project));
    } catch {
      continue;
    }
    const tc = spawnSync(
      process.execPath,
      [resolve(root, 'node_modules/typescript/bin/tsc'), '-p', project],
      {
        cwd: root,
        stdio: 'inherit',
      },
    );
    if (tc.status !== 0) process.exit(tc.status ?? 1);
  }
}

const concurrency = process.env.TEST_CONCURRENCY ?? String(Math.max(2, availableParallelism()));
const run = spawnSync(
  process.execPath,
  [
    '--conditions=statecraft-source',
    '--import',
    'tsx',
    '--test',
    `--test-concurrency=${concurrency}`,
    '--test-timeout=120000',
    ...files,
  ],
  { cwd: root, stdio: 'inherit', env: { ...process.env, NODE_OPTIONS: '' } },
);
process.exit(run.status ?? 1);

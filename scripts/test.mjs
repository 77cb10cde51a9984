#!/usr/bin/env node
// Runs the test suite: type-checks the tests, then runs every `*.test.ts` under packages/*/test
// (or under the paths given as arguments) with node's test runner, TypeScript loaded by tsx and
// the library resolved from source through the `statecraft-source` export condition.
//
// Files whose assertions rest on timing (a whole lab run, latency under a paused server,
// processes racing over a bus, real balancers reloading) run afterwards, one at a time, so a
// busy neighbour cannot make them fail; everything else runs in parallel first. The last line
// totals both batches.
import { spawn, spawnSync } from 'node:child_process';
import { readdirSync, statSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { join, relative, resolve } from 'node:path';

const root = resolve(import.meta.dirname, '..');
const args = process.argv.slice(2);
const roots = args.length > 0 ? args : ['packages/statecraft/test', 'packages/lab/test', 'bench/test'];

/** Test files run alone, after the parallel batch. */
const SERIAL = [
  /lab\/test\/lab\/(run|engines|caching)\.test\.ts$/,
  /lab\/test\/lab\/sweep\.test\.ts$/,
  /lab\/test\/lab\/load\/(omission|phases|health|connections)\.test\.ts$/,
  /lab\/test\/cluster\//,
  /lab\/test\/net\//,
  /lab\/test\/ui\/dashboard\.test\.ts$/,
  /statecraft\/test\/strategies\/hybrid-processes\.test\.ts$/,
  /statecraft\/test\/adapters\/(node-http-outage|websocket-redis)\.test\.ts$/,
  /statecraft\/test\/bus\/(postgres|redis|ipc)\.test\.ts$/,
  /statecraft\/test\/stores\/(redis|redis-cluster|redis-sentinel|postgres|sqlite)\.test\.ts$/,
  /statecraft\/test\/security\/(sqlite-outage|sqlite-crash|redis-persistence)\.test\.ts$/,
  /lab\/test\/security\/(shutdown|slow-input|logs)\.test\.ts$/,
];

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
  for (const project of [
    'packages/statecraft/tsconfig.test.json',
    'packages/lab/tsconfig.test.json',
    'bench/tsconfig.json',
  ]) {
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

/** Runs one batch, passing its output through; resolves its exit code and counts. */
function batch(list, concurrency) {
  return new Promise((done) => {
    const child = spawn(
      process.execPath,
      [
        '--conditions=statecraft-source',
        '--import',
        'tsx',
        '--test',
        `--test-concurrency=${concurrency}`,
        '--test-timeout=300000',
        ...list,
      ],
      { cwd: root, stdio: ['ignore', 'pipe', 'inherit'], env: { ...process.env, NODE_OPTIONS: '' } },
    );
    let tail = '';
    child.stdout.on('data', (d) => {
      process.stdout.write(d);
      tail = (tail + d.toString()).slice(-4000);
    });
    child.on('close', (code) => {
      const count = (name) => Number(new RegExp(`^# ${name} (\\d+)$`, 'm').exec(tail)?.[1] ?? 0);
      done({ code: code ?? 1, pass: count('pass'), fail: count('fail') + count('cancelled') });
    });
  });
}

const serial = files.filter((f) => SERIAL.some((re) => re.test(relative(root, f))));
const parallel = files.filter((f) => !serial.includes(f));
const concurrency = process.env.TEST_CONCURRENCY ?? String(Math.max(2, availableParallelism()));
const results = [];
if (parallel.length > 0) results.push(await batch(parallel, concurrency));
if (serial.length > 0) {
  console.log(`# running ${serial.length} timing-sensitive test files one at a time`);
  results.push(await batch(serial, 1));
}
const pass = results.reduce((n, r) => n + r.pass, 0);
const fail = results.reduce((n, r) => n + r.fail, 0);
console.log(`tests: ${pass} passed, ${fail} failed`);
process.exit(results.some((r) => r.code !== 0) ? 1 : 0);

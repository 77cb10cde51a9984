#!/usr/bin/env node
// Brings the packages' `dist/` up to date: every source file newer than its compiled file (a
// fresh clone has no `dist/` at all) is transpiled on its own with esbuild, which the TypeScript
// settings allow (`isolatedModules`, `verbatimModuleSyntax`): about a second instead of the ten
// or more a full `tsc -b` takes. Type checking is the job of `npm run build` and `npm test`; they
// overwrite these files with tsc's own output.
//
// Used by `npm start` (scripts/start.mjs) and by the benchmarks, whose servers load the library
// as users do, from `dist/` (tsx, which runs the sources, wraps every function it creates in a
// name-keeping helper: a cost per closure that compiled code does not have).
//
//   node scripts/dist.mjs        compile what is stale, print how many files
import { mkdirSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { transform } from 'esbuild';

const root = resolve(import.meta.dirname, '..');
const PACKAGES = ['packages/statecraft', 'packages/lab'];

function sources(dir, out = []) {
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    if (e.isDirectory()) sources(p, out);
    else if (e.name.endsWith('.ts') && !e.name.endsWith('.d.ts')) out.push(p);
  }
  return out;
}

const mtime = (p) => {
  try {
    return statSync(p).mtimeMs;
  } catch {
    return -1;
  }
};

/** Source files whose compiled file is missing or older than they are. */
function stale() {
  const out = [];
  for (const pkg of PACKAGES) {
    const src = join(root, pkg, 'src');
    for (const file of sources(src)) {
      const target = join(root, pkg, 'dist', relative(src, file)).replace(/\.ts$/, '.js');
      if (mtime(target) < mtime(file)) out.push({ file, target });
    }
  }
  return out;
}

/** Compiles the stale files; resolves how many there were. */
export async function freshenDist() {
  const todo = stale();
  if (todo.length === 0) return 0;
  const t0 = Date.now();
  await Promise.all(
    todo.map(async ({ file, target }) => {
      const { code, map } = await transform(await readFile(file, 'utf8'), {
        loader: 'ts',
        format: 'esm',
        target: 'es2022',
        platform: 'node',
        sourcemap: 'external',
        sourcefile: relative(dirname(target), file),
      });
      mkdirSync(dirname(target), { recursive: true });
      writeFileSync(target, `${code}//# sourceMappingURL=${target.split('/').pop()}.map\n`);
      writeFileSync(`${target}.map`, map);
    }),
  );
  console.error(`compiled ${todo.length} files in ${Date.now() - t0} ms`);
  return todo.length;
}

if (process.argv[1] !== undefined && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  await freshenDist();
}

/**
 * docs/SECURITY.md must stay true: every section of the checklist is there with at least one
 * test, every test it names exists under that exact name in the file it names, and every test
 * file under a `test/security/` folder is listed. A name written in the source as a template
 * (`${RUNS} generated …`) matches the page whatever stands in place of each `${…}`.
 */
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { test } from 'node:test';

const root = resolve(import.meta.dirname, '../../../..');
const page = readFileSync(join(root, 'docs/SECURITY.md'), 'utf8');

const SECTIONS = [
  'Session ids',
  'Cookies',
  'Lifecycle',
  'Tokens',
  'Parsers',
  'Logs',
  'Store failure',
  'Crash safety',
  'Concurrency',
  'Graceful shutdown',
  'Oversized and slow input',
];

interface Row {
  section: string;
  file: string;
  name: string;
}

/** Table rows whose last two cells are a backquoted file and a backquoted test name. */
function rows(text: string): Row[] {
  const out: Row[] = [];
  let section = '';
  for (const line of text.split('\n')) {
    const h = /^## (.+)$/.exec(line);
    if (h) section = h[1]!.trim();
    const m = /\|\s*`([^`]+)`\s*\|\s*`([^`]+)`\s*\|\s*$/.exec(line);
    if (m) out.push({ section, file: m[1]!, name: m[2]! });
  }
  return out;
}

/** The first argument of every `test(…)` / `it(…)` call in a source file, as written. */
function testNames(source: string): string[] {
  const names: string[] = [];
  const call = /\b(?:test|it)\(\s*(['"`])((?:\\.|(?!\1)[\s\S])*?)\1/g;
  for (let m = call.exec(source); m !== null; m = call.exec(source)) names.push(m[2]!);
  return names;
}

/** Whether the page's `name` is the source literal `literal`, `${…}` standing for anything. */
function matches(literal: string, name: string): boolean {
  const unescaped = literal.replace(/\\(['"`\\])/g, '$1');
  const pattern = unescaped
    .split(/\$\{[^}]*\}/)
    .map((part) => part.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'))
    .join('.+?');
  return new RegExp(`^${pattern}$`).test(name);
}

function securityTestFiles(dir: string): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir)
    .filter((f) => f.endsWith('.test.ts'))
    .map((f) => join(dir, f));
}

test('docs/SECURITY.md has every section of the checklist, each proved by at least one test', () => {
  const listed = rows(page);
  for (const s of SECTIONS) {
    assert.ok(page.includes(`\n## ${s}\n`), `section "${s}" is missing`);
    assert.ok(
      listed.some((r) => r.section === s),
      `section "${s}" names no test`,
    );
  }
});

test('every test docs/SECURITY.md names exists under that exact name in the file it names', () => {
  const listed = rows(page);
  assert.ok(listed.length >= 50, `only ${listed.length} rows were read`);
  const missing: string[] = [];
  for (const r of listed) {
    const path = join(root, r.file);
    if (!existsSync(path)) {
      missing.push(`${r.file}: no such file`);
      continue;
    }
    const names = testNames(readFileSync(path, 'utf8'));
    if (!names.some((n) => matches(n, r.name))) missing.push(`${r.file}: no test named "${r.name}"`);
  }
  assert.deepEqual(missing, []);
});

test('every test file under a test/security folder (but this one) is listed in docs/SECURITY.md', () => {
  const listed = new Set(rows(page).map((r) => r.file));
  const files = [
    ...securityTestFiles(join(root, 'packages/statecraft/test/security')),
    ...securityTestFiles(join(root, 'packages/lab/test/security')),
  ].map((f) => f.slice(root.length + 1));
  assert.ok(files.length > 0);
  assert.deepEqual(
    files.filter((f) => !listed.has(f) && !f.endsWith('/security-doc.test.ts')),
    [],
  );
});

test('the matcher tells a listed name from a near miss', () => {
  // Source text as the file holds it, placeholders included.
  const runs = `${'$'}{RUNS} random strings: never accepted`;
  assert.ok(matches(runs, '4000 random strings: never accepted'));
  assert.ok(!matches(runs, '4000 random strings: never accepted!'));
  assert.ok(matches("the caller\\'s handle", "the caller's handle"));
  assert.ok(!matches('login regenerates the id', 'login regenerates the ids'));
  const source = `it('a', () => {}); test(\n  \`b ${'$'}{x}\`, {}, async () => {})`;
  assert.deepEqual(testNames(source), ['a', `b ${'$'}{x}`]);
});

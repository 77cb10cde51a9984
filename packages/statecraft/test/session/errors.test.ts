import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { test } from 'node:test';
import { ERROR_CODES, isSessionError, SessionError } from 'statecraft';

const root = resolve(import.meta.dirname, '../../../..');
const src = resolve(root, 'packages/statecraft/src');

function sources(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? sources(join(dir, e.name)) : e.name.endsWith('.ts') ? [join(dir, e.name)] : [],
  );
}

test('docs/errors.md lists every code with the status the library uses, and nothing else', () => {
  const doc = readFileSync(resolve(root, 'docs/errors.md'), 'utf8');
  const rows = [...doc.matchAll(/^\| `([A-Z_]+)` \| (\d{3}) \|/gm)].map((m) => [m[1], Number(m[2])]);
  const codes = Object.entries(ERROR_CODES).map(([code, { status }]) => [code, status]);
  assert.deepEqual(rows, codes);
});

test('every code is raised somewhere in the library', () => {
  const code = sources(src)
    .filter((f) => !f.endsWith('errors.ts'))
    .map((f) => readFileSync(f, 'utf8'))
    .join('\n');
  for (const c of Object.keys(ERROR_CODES)) {
    assert.ok(code.includes(`'${c}'`), `${c} is never raised`);
  }
});

test('a SessionError carries its code and status and serialises without its cause', () => {
  const e = new SessionError('STORE_UNAVAILABLE', 'redis said no', { cause: new Error('secret detail') });
  assert.equal(e.code, 'STORE_UNAVAILABLE');
  assert.equal(e.status, 503);
  assert.ok(e instanceof Error);
  assert.ok(isSessionError(e, 'STORE_UNAVAILABLE'));
  assert.equal(isSessionError(e, 'SESSION_CONFLICT'), false);
  assert.doesNotMatch(JSON.stringify(e), /secret detail|redis said no/);
});

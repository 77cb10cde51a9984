import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { writeReport } from '../../../src/lab/report/files.js';
import { validateReport } from '../../../src/lab/report/validate.js';
import { makeReport } from './fixture.js';

test('writeReport writes report.json, report.csv and report.html, and the JSON reads back valid', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'statecraft-files-'));
  try {
    const files = await writeReport(join(dir, 'run'), makeReport());
    for (const f of Object.values(files)) assert.ok(existsSync(f), f);
    assert.equal(validateReport(JSON.parse(readFileSync(files.json, 'utf8'))).ok, true);
    assert.match(readFileSync(files.csv, 'utf8'), /^mode,t,rps,errors,p50,p99\r\n/);
    assert.match(readFileSync(files.html, 'utf8'), /<table id="claims">/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('writeReport refuses a report that breaks the schema, keeping its data aside', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'statecraft-files-'));
  try {
    const bad = { ...makeReport(), scheduleHash: 'not a hash' };
    await assert.rejects(writeReport(join(dir, 'run'), bad), /scheduleHash/);
    assert.equal(existsSync(join(dir, 'run', 'report.json')), false);
    assert.equal(existsSync(join(dir, 'run', 'report.html')), false);
    const kept = JSON.parse(readFileSync(join(dir, 'run', 'report.rejected.json'), 'utf8')) as {
      scheduleHash: string;
    };
    assert.equal(kept.scheduleHash, 'not a hash');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

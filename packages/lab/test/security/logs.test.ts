/**
 * No credential in the logs: a cluster (supervisor, balancer, two instances) runs as a process
 * of its own in each mode with a store or tokens; clients log in, shop, check out, send bad and
 * forged requests, log out and out everywhere while an instance is killed and restarted. Every
 * credential the clients were given (session ids, access tokens, the ids inside tokens) and the
 * cluster's secret are then looked for in everything the processes wrote: the supervisor's
 * stdout and stderr and each instance's log.
 */
import assert from 'node:assert/strict';
import { type ChildProcess, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { once } from 'node:events';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import type { Mode } from '../../src/app/modes.js';
import { SOURCE_EXEC_ARGV } from '../../src/cluster/command.js';

const FIXTURE = fileURLToPath(new URL('./fixtures/cluster-process.ts', import.meta.url));
const children = new Set<ChildProcess>();
after(() => {
  for (const c of children) c.kill('SIGKILL');
});

/** A browser that records every credential it is handed. */
class Recorder {
  cookie = '';
  constructor(
    readonly base: string,
    readonly seen: Set<string>,
  ) {}

  async call(
    method: string,
    path: string,
    o: { json?: unknown; body?: string; headers?: Record<string, string> } = {},
  ) {
    const headers: Record<string, string> = { ...o.headers };
    if (this.cookie && headers.cookie === undefined) headers.cookie = this.cookie;
    let body = o.body;
    if (o.json !== undefined) {
      body = JSON.stringify(o.json);
      headers['content-type'] = 'application/json';
    }
    const res = await fetch(this.base + path, { method, headers, body });
    for (const c of res.headers.getSetCookie()) {
      const pair = c.split(';', 1)[0]!;
      const value = pair.slice(pair.indexOf('=') + 1);
      if (pair.startsWith('sc_lb=')) continue; // the balancer's affinity cookie names an instance
      if (value) this.seen.add(value);
      this.cookie = value ? pair : '';
    }
    const token = res.headers.get('session-token');
    if (token) this.seen.add(token);
    await res.text();
    return res.status;
  }
}

/** What must never be written: each credential, its URL-decoded form, and long strings inside tokens. */
function secretsOf(credentials: Iterable<string>, secret: string): Set<string> {
  const out = new Set<string>([
    secret,
    Buffer.from(secret, 'hex').toString('base64'),
    Buffer.from(secret, 'hex').toString('base64url'),
  ]);
  for (const c of credentials) {
    out.add(c);
    out.add(decodeURIComponent(c));
    for (const part of decodeURIComponent(c).split('.')) {
      let claims: unknown;
      try {
        claims = JSON.parse(Buffer.from(part, 'base64url').toString('utf8'));
      } catch {
        continue;
      }
      for (const v of Object.values(claims as Record<string, unknown>)) {
        if (typeof v === 'string' && v.length >= 16) out.add(v);
      }
    }
  }
  return out;
}

async function traffic(url: string, adminUrl: string, seen: Set<string>): Promise<void> {
  const users = Array.from({ length: 6 }, () => new Recorder(url, seen));
  const round = async (tag: string) =>
    Promise.all(
      users.map(async (u, i) => {
        await u.call('POST', '/login', { json: { user: `user${i}` } });
        await u.call('GET', '/me');
        for (let k = 0; k < 3; k++)
          await u.call('POST', '/cart/items', { json: { sku: `${tag}-${k}`, qty: 1 } });
        await u.call('POST', '/checkout', { headers: { 'idempotency-key': `${tag}-${i}` } });
        await u.call('POST', '/cart/items', {
          body: '{"sku":',
          headers: { 'content-type': 'application/json' },
        });
        const forged = u.cookie.replace(/=(.)/, (_m, c: string) => `=${c === 'A' ? 'B' : 'A'}`);
        await u.call('GET', '/me', { headers: { cookie: forged } });
        await u.call('GET', '/me', { headers: { cookie: `${u.cookie}; pad=${'x'.repeat(9000)}` } });
        await u.call('POST', '/logout');
        await u.call('POST', '/login', { json: { user: `user${i}` } });
        await u.call('POST', i % 2 ? '/logout-everywhere' : '/logout');
      }),
    );
  await round('a');
  assert.equal((await fetch(`${adminUrl}/instances/i1/kill`, { method: 'POST' })).status, 200);
  await round('b');
  assert.equal((await fetch(`${adminUrl}/instances/i1/restart`, { method: 'POST' })).status, 200);
  await round('c');
}

for (const mode of ['shared', 'hybrid', 'stateless'] as Mode[]) {
  test(`${mode}: no session id, token or secret appears in the supervisor's or any instance's output`, {
    timeout: 120_000,
  }, async () => {
    const dir = mkdtempSync(join(tmpdir(), `statecraft-logs-${mode}-`));
    const secret = randomBytes(32).toString('hex');
    const child = spawn(process.execPath, [...SOURCE_EXEC_ARGV, FIXTURE, mode, dir], {
      env: { ...process.env, STATECRAFT_SECRET: secret },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    children.add(child);
    let out = '';
    let err = '';
    child.stdout!.on('data', (d) => {
      out += d;
    });
    child.stderr!.on('data', (d) => {
      err += d;
    });
    const exited = once(child, 'exit');
    try {
      const { url, adminUrl } = await new Promise<{ url: string; adminUrl: string }>((resolve, reject) => {
        child.stdout!.on('data', () => {
          const line = out.split('\n').find((l) => l.startsWith('{'));
          if (line) resolve(JSON.parse(line));
        });
        child.once('exit', (code) => reject(new Error(`cluster exited with ${code}: ${err}`)));
      });
      const seen = new Set<string>();
      await traffic(url, adminUrl, seen);
      child.kill('SIGTERM');
      const [code] = await exited;
      children.delete(child);
      assert.equal(code, 0, err);

      const logs = readdirSync(dir).filter((f) => f.endsWith('.log'));
      const texts = [
        `supervisor stdout\n${out}`,
        `supervisor stderr\n${err}`,
        ...logs.map((f) => `${f}\n${readFileSync(join(dir, f), 'utf8')}`),
      ];
      const all = texts.join('\n');
      // The scan reads real output: both instances' start lines, the restarted one's twice.
      assert.deepEqual(logs.sort(), ['i1.log', 'i2.log']);
      assert.equal(all.match(/statecraft app i1: mode/g)?.length, 2, all);
      assert.match(all, /statecraft app i2: mode/);
      assert.ok(seen.size >= 30, `only ${seen.size} credentials were issued`);
      const secrets = secretsOf(seen, secret);
      const found = [...secrets].filter((s) => all.includes(s));
      console.log(
        `${mode}: ${seen.size} credentials (${secrets.size} strings) looked for in ${all.length} bytes of output from ${texts.length} streams: ${found.length} found`,
      );
      assert.deepEqual(found, []);
    } finally {
      child.kill('SIGKILL');
      rmSync(dir, { recursive: true, force: true });
    }
  });
}

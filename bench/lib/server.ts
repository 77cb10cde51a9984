/**
 * Servers under load: each in its own child process (so its CPU time is its own), load from
 * autocannon in this process. A server prints one JSON line `{"port":N}` once it listens and
 * exits when its stdin closes (see bench/adapters/servers/common.ts).
 */
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { resolve } from 'node:path';
import autocannon from 'autocannon';
import { cpuTime } from './proc.js';
import { ROOT } from './results.js';

export interface Server {
  url: string;
  child: ChildProcess;
  stop(): Promise<void>;
}

let distFresh = false;

/**
 * Starts `file`, a server of the benchmark, with the library compiled in `dist/` (brought up to
 * date first), as an application that installed it runs it. Not from its sources: tsx, which the
 * server file itself needs, compiles with esbuild's `keepNames`, wrapping every function created
 * at run time (a closure per request) in a naming helper that compiled code does not have.
 * `cpuProfDir` writes a V8 CPU profile there.
 */
export async function startServer(file: string, env: Record<string, string>, cpuProfDir?: string) {
  if (!distFresh) {
    const r = spawnSync(process.execPath, [resolve(ROOT, 'scripts/dist.mjs')], { stdio: 'inherit' });
    if (r.status !== 0) throw new Error('scripts/dist.mjs could not compile the library');
    distFresh = true;
  }
  const prof = cpuProfDir ? ['--cpu-prof', `--cpu-prof-dir=${resolve(cpuProfDir)}`] : [];
  const child = spawn(process.execPath, [...prof, '--import', 'tsx', file], {
    cwd: ROOT,
    env: { ...process.env, ...env },
    stdio: ['pipe', 'pipe', 'inherit'],
  });
  const port = await new Promise<number>((ok, fail) => {
    let buf = '';
    child.stdout!.on('data', (d: Buffer) => {
      buf += d;
      const nl = buf.indexOf('\n');
      if (nl >= 0) ok((JSON.parse(buf.slice(0, nl)) as { port: number }).port);
    });
    child.once('exit', (code) => fail(new Error(`${file} exited with ${code}`)));
  });
  const server: Server = {
    url: `http://127.0.0.1:${port}`,
    child,
    stop: () =>
      new Promise<void>((ok) => {
        if (child.exitCode !== null) return ok();
        child.once('exit', () => ok());
        child.stdin!.end();
        setTimeout(() => child.kill(), 5000).unref();
      }),
  };
  return server;
}

/** One fresh session per connection: the `Cookie` header each one sends. */
export async function login(url: string, n: number): Promise<string[]> {
  return Promise.all(
    Array.from({ length: n }, async () => {
      const r = await fetch(`${url}/login`, { method: 'POST' });
      if (r.status !== 200) throw new Error(`login answered ${r.status}`);
      const cookie = r.headers.getSetCookie()[0]?.split(';')[0];
      if (!cookie) throw new Error('login set no cookie');
      await r.arrayBuffer();
      return cookie;
    }),
  );
}

export interface Sample {
  rps: number;
  p99: number;
  bad: number;
  /** Server CPU time (user + system) per request, in µs; NaN where /proc is not readable. */
  cpuUs: number;
}

export interface LoadSpec {
  method: 'GET' | 'POST';
  path: string;
  seconds: number;
  connections: number;
}

/**
 * Logs in one session per connection, then sends `spec` for `seconds`. Requests take the
 * sessions in turn, so two requests in flight almost never share one (a write race would
 * measure retries, not the library).
 */
export async function load(server: Server, spec: LoadSpec): Promise<Sample> {
  const cookies = await login(server.url, spec.connections);
  const cpu0 = cpuTime(server.child.pid);
  let i = 0;
  const result = await autocannon({
    url: server.url,
    connections: spec.connections,
    duration: spec.seconds,
    requests: [
      {
        method: spec.method,
        path: spec.path,
        setupRequest: (req) => ({ ...req, headers: { cookie: cookies[i++ % cookies.length]! } }),
      },
    ],
  });
  return {
    rps: result.requests.average,
    p99: result.latency.p99,
    bad: result.non2xx + result.errors + result.timeouts,
    cpuUs: (cpuTime(server.child.pid) - cpu0) / result.requests.total,
  };
}

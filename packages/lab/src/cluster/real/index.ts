/**
 * Real nginx or HAProxy in front of app instances: writes the config, has the engine check it,
 * starts the engine in the foreground as a child process (its own process group), waits until
 * it answers, and hands back `reload` (new backends, no dropped connections) and `stop`
 * (graceful, then SIGKILL; its directory removed).
 */
import { type ChildProcess, spawn } from 'node:child_process';
import {
  chmodSync,
  closeSync,
  mkdirSync,
  mkdtempSync,
  openSync,
  readFileSync,
  renameSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Mode } from '../../app/modes.js';
import { freePort } from '../ports.js';
import type { BackendSpec } from '../types.js';
import { checkConfig, ENGINES, type EngineName, findEngine, RealBalancerError } from './engine.js';
import { groupMembers, holdsSocket, listeningInodes } from './listeners.js';
import { BALANCER_STATUS_PATH } from './options.js';

export { DEPLOY_HAPROXY, DEPLOY_NGINX, deployConfigs } from './deploy.js';
export type { RealBalancerErrorCode } from './engine.js';
export { checkConfig, ENGINES, type EngineName, findEngine, RealBalancerError } from './engine.js';
export { renderHaproxy } from './haproxy.js';
export { renderNginx } from './nginx.js';
export {
  AFFINITY_COOKIE,
  BALANCER_STATUS_PATH,
  policyOf,
  type RealPolicy,
  type RenderOptions,
  WEBSOCKET_PATH,
} from './options.js';

export interface RealBalancerOptions {
  engine: EngineName;
  mode: Mode;
  backends: readonly BackendSpec[];
  /** @default a free port */
  port?: number;
  /** @default '127.0.0.1' */
  host?: string;
  /** Parent directory; the balancer works in a fresh directory inside it. @default os.tmpdir() */
  dir?: string;
  /** Affinity cookie name (`sticky`). @default 'sc_lb' */
  cookie?: string;
  /** nginx only: path prefixes served through a `proxy_cache` zone (see `RenderOptions`). */
  cachePaths?: readonly string[];
  /** Path of the engine binary. @default found on PATH or in /usr/sbin */
  bin?: string;
  /** How long to wait for the engine to answer after a start or reload. @default 10000 */
  timeoutMs?: number;
  /** How long `stop()` waits for open requests before SIGKILL. @default 5000 */
  graceMs?: number;
}

export interface RealBalancer {
  engine: EngineName;
  /** `http://127.0.0.1:<port>` */
  url: string;
  port: number;
  /** The engine's main process, leader of the process group its workers belong to. */
  pid: number;
  /** The balancer's own directory (config, pid, logs, temp files); removed by `stop()`. */
  dir: string;
  configPath: string;
  /** Current backends. */
  backends(): BackendSpec[];
  /**
   * Writes a config for `backends`, has the engine check it (throws `CONFIG_INVALID` and keeps
   * the running config when it refuses), reloads it in place, and resolves once new
   * connections are served by it. Requests in flight finish on the old workers.
   */
  reload(backends: readonly BackendSpec[]): Promise<void>;
  /** Graceful stop, SIGKILL after `graceMs`, then the directory is removed. Idempotent. */
  stop(): Promise<void>;
}

// Process groups of engines started by this process: killed if it exits without stopping them.
const running = new Set<number>();
let exitHookInstalled = false;
function track(pid: number): void {
  running.add(pid);
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  process.once('exit', () => {
    for (const p of running) killGroup(p, 'SIGKILL');
  });
}

function groupAlive(pid: number): boolean {
  try {
    process.kill(-pid, 0);
    return true;
  } catch {
    return false;
  }
}

function killGroup(pid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(-pid, signal);
  } catch {}
}

/** The body of `GET /__balancer` on a fresh connection, or null when nothing answers. */
function status(host: string, port: number): Promise<string | null> {
  return new Promise((resolve) => {
    const req = request({ host, port, path: BALANCER_STATUS_PATH, agent: false, timeout: 1000 }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => {
        body += c;
      });
      res.on('end', () => resolve(res.statusCode === 200 ? body.trim() : null));
      res.on('error', () => resolve(null));
    });
    req.on('timeout', () => req.destroy());
    req.on('error', () => resolve(null));
    req.end();
  });
}

function tail(file: string, lines = 15): string {
  try {
    return readFileSync(file, 'utf8').trim().split('\n').slice(-lines).join('\n');
  } catch {
    return '';
  }
}

/**
 * Starts nginx or HAProxy in front of `backends`, with the policy of `mode` (sticky-cookie for
 * `sticky`, round-robin otherwise).
 *
 * @example
 * const lb = await startRealBalancer({ engine: 'haproxy', mode: 'shared', backends });
 * await fetch(`${lb.url}/me`);
 * await lb.reload(backends.slice(1));
 * await lb.stop();
 */
export async function startRealBalancer(options: RealBalancerOptions): Promise<RealBalancer> {
  const engine = ENGINES[options.engine];
  if (!engine) throw new TypeError(`engine: nginx or haproxy, got ${String(options.engine)}`);
  const bin = findEngine(engine.name, options.bin);
  const host = options.host ?? '127.0.0.1';
  const port = options.port ?? (await freePort(host));
  const timeoutMs = options.timeoutMs ?? 10_000;
  const graceMs = options.graceMs ?? 5_000;
  const dir = mkdtempSync(join(options.dir ?? tmpdir(), `statecraft-${engine.name}-`));
  const configPath = join(dir, engine.file);
  const logPath = join(dir, engine.errorLog);
  let backends = options.backends.map((b) => ({ ...b }));
  let generation = 1;

  /** Renders for `list`, checks the candidate with the engine, then moves it into place. */
  const write = async (list: readonly BackendSpec[], gen: number) => {
    const text = engine.render({
      mode: options.mode,
      backends: list,
      listen: { host, port },
      prefix: dir,
      cookie: options.cookie,
      cachePaths: options.cachePaths,
      generation: gen,
    });
    const candidate = join(dir, `next-${engine.file}`);
    writeFileSync(candidate, text);
    try {
      await checkConfig(engine, bin, candidate, dir);
    } catch (e) {
      rmSync(candidate, { force: true });
      throw e;
    }
    renameSync(candidate, configPath);
  };

  const waitFor = async (want: string, child: ChildProcess, what: RealBalancerError['code']) => {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      if (child.exitCode !== null || child.signalCode !== null) {
        throw new RealBalancerError(
          what,
          `${engine.name} exited (${child.exitCode ?? child.signalCode}):\n${tail(logPath)}`,
        );
      }
      if ((await status(host, port)) === want) return;
      if (Date.now() > deadline) {
        throw new RealBalancerError(
          what,
          `${engine.name} did not answer "${want}" on ${host}:${port} within ${timeoutMs} ms:\n${tail(logPath)}`,
        );
      }
      await new Promise((r) => setTimeout(r, 50));
    }
  };

  let child: ChildProcess | null = null;
  try {
    // nginx creates the last component of each temp path, not its parents.
    mkdirSync(join(dir, 'tmp'), { recursive: true });
    // A cache is written by the workers, which run as another user when the master is root:
    // they may pass through the directory to the cache nginx creates for them inside it.
    if (options.cachePaths?.length) chmodSync(dir, 0o711);
    await write(backends, generation);
    const out = openSync(logPath, 'a');
    try {
      // detached: the engine and its workers form their own process group, so stop() and the
      // exit hook reach every one of them with one signal.
      child = spawn(bin, engine.runArgs(configPath, dir), {
        cwd: dir,
        detached: true,
        stdio: ['ignore', out, out],
      });
    } finally {
      closeSync(out);
    }
    const started = child;
    await new Promise<void>((resolve, reject) => {
      started.once('spawn', resolve);
      started.once('error', (e) => reject(new RealBalancerError('START_FAILED', `${bin}: ${e.message}`)));
    });
    track(started.pid!);
    await waitFor(`ok ${engine.name} ${generation}`, started, 'START_FAILED');
  } catch (e) {
    if (child?.pid) {
      killGroup(child.pid, 'SIGKILL');
      running.delete(child.pid);
    }
    rmSync(dir, { recursive: true, force: true });
    throw e;
  }

  const proc = child;
  const pid = proc.pid!;
  const exited = new Promise<void>((resolve) => {
    if (proc.exitCode !== null || proc.signalCode !== null) resolve();
    else proc.once('exit', () => resolve());
  });
  let stopping: Promise<void> | null = null;
  let reloads: Promise<void> = Promise.resolve();
  const reloadNow = async (next: readonly BackendSpec[]) => {
    if (stopping) throw new RealBalancerError('RELOAD_FAILED', `${engine.name} is stopped`);
    const gen = generation + 1;
    await write(next, gen);
    generation = gen;
    backends = next.map((b) => ({ ...b }));
    const oldWorkers = groupMembers(pid);
    const inodes = listeningInodes(port);
    proc.kill(engine.reloadSignal);
    await waitFor(`ok ${engine.name} ${gen}`, proc, 'RELOAD_FAILED');
    // The new config answers; the old workers may still accept for a moment (listeners.ts).
    if (inodes === null || inodes.size === 0) {
      await new Promise((r) => setTimeout(r, 300));
      return;
    }
    const deadline = Date.now() + timeoutMs;
    while (oldWorkers.some((w) => holdsSocket(w, inodes))) {
      if (Date.now() > deadline) {
        throw new RealBalancerError(
          'RELOAD_FAILED',
          `${engine.name}: old workers still accept on port ${port} after ${timeoutMs} ms:\n${tail(logPath)}`,
        );
      }
      await new Promise((r) => setTimeout(r, 20));
    }
  };

  return {
    engine: engine.name,
    url: `http://${host.includes(':') ? `[${host}]` : host}:${port}`,
    port,
    pid,
    dir,
    configPath,
    backends: () => backends.map((b) => ({ ...b })),
    reload(next) {
      // One at a time: each writes the same candidate file and signals the same master.
      const run = reloads.then(() => reloadNow(next));
      reloads = run.catch(() => {});
      return run;
    },
    stop() {
      stopping ??= (async () => {
        // A reload under way finishes first (it would otherwise signal a stopping master).
        await reloads;
        proc.kill(engine.stopSignal);
        const timer = new Promise<'late'>((r) => setTimeout(r, graceMs, 'late').unref());
        if ((await Promise.race([exited, timer])) === 'late') killGroup(pid, 'SIGKILL');
        await exited;
        // Workers the master left behind (a SIGKILLed master cannot stop them), and wait until
        // the group is gone, so the port and files are free when stop() resolves.
        killGroup(pid, 'SIGKILL');
        for (let waited = 0; waited < 3000 && groupAlive(pid); waited += 10) {
          await new Promise((r) => setTimeout(r, 10));
        }
        running.delete(pid);
        rmSync(dir, { recursive: true, force: true });
      })();
      return stopping;
    },
  };
}

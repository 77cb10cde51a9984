/**
 * The two real engines as programs: where their binaries are, how each one checks a config
 * file, how it is started in the foreground, reloaded and stopped. `startRealBalancer` drives
 * either one through this table.
 */
import { spawn } from 'node:child_process';
import { accessSync, closeSync, constants, openSync, readFileSync, rmSync } from 'node:fs';
import { delimiter, join } from 'node:path';
import { renderHaproxy } from './haproxy.js';
import { renderNginx } from './nginx.js';
import type { RenderOptions } from './options.js';

export type EngineName = 'nginx' | 'haproxy';

/** Stable codes of the errors `startRealBalancer` and `checkConfig` throw. */
export type RealBalancerErrorCode = 'ENGINE_MISSING' | 'CONFIG_INVALID' | 'START_FAILED' | 'RELOAD_FAILED';

/** An error from a real balancer, with a stable `code` and the engine's own words in `message`. */
export class RealBalancerError extends Error {
  override name = 'RealBalancerError';
  constructor(
    readonly code: RealBalancerErrorCode,
    message: string,
  ) {
    super(message);
  }
}

/** How one engine is driven. */
export interface Engine {
  name: EngineName;
  /** Config file name inside the balancer's directory. */
  file: string;
  render(o: RenderOptions): string;
  /** Arguments that check a config file without running it. */
  checkArgs(config: string, dir: string): string[];
  /** Arguments that run a config in the foreground. */
  runArgs(config: string, dir: string): string[];
  /** Signal to the main process that reloads the config from the same path. */
  reloadSignal: NodeJS.Signals;
  /** Signal to the main process that stops it gracefully (open requests finish). */
  stopSignal: NodeJS.Signals;
  /** Where the engine writes its own log inside the directory (besides captured stdout/stderr). */
  errorLog: string;
}

export const ENGINES: Record<EngineName, Engine> = {
  nginx: {
    name: 'nginx',
    file: 'nginx.conf',
    render: renderNginx,
    // -e: without it nginx opens its compiled-in /var/log/nginx/error.log before reading the file.
    checkArgs: (config, dir) => ['-t', '-q', '-p', dir, '-e', join(dir, 'error.log'), '-c', config],
    runArgs: (config, dir) => ['-p', dir, '-e', join(dir, 'error.log'), '-c', config],
    // The master re-reads the file, starts new workers, and lets the old ones finish their requests.
    reloadSignal: 'SIGHUP',
    stopSignal: 'SIGQUIT',
    errorLog: 'error.log',
  },
  haproxy: {
    name: 'haproxy',
    file: 'haproxy.cfg',
    render: renderHaproxy,
    // Not -q: it also silences the reason a file is refused.
    checkArgs: (config) => ['-c', '-f', config],
    // -W master-worker: SIGUSR2 re-executes with the same file and soft-stops the old worker.
    // -db: stay in the foreground.
    runArgs: (config) => ['-W', '-db', '-f', config],
    reloadSignal: 'SIGUSR2',
    stopSignal: 'SIGUSR1',
    errorLog: 'output.log',
  },
};

// Debian installs both engines in /usr/sbin, which is not on every user's PATH.
const SBIN = ['/usr/local/sbin', '/usr/sbin', '/sbin'];

/**
 * The absolute path of an engine's binary: `bin` when given, else the first match on PATH or
 * in the sbin directories. Throws `ENGINE_MISSING` with the command that installs it.
 */
export function findEngine(name: EngineName, bin?: string): string {
  const candidates = bin
    ? [bin]
    : [...(process.env.PATH ?? '').split(delimiter), ...SBIN].filter(Boolean).map((d) => join(d, name));
  for (const c of candidates) {
    try {
      accessSync(c, constants.X_OK);
      return c;
    } catch {}
  }
  throw new RealBalancerError(
    'ENGINE_MISSING',
    `${name} is not installed (${bin ? `no executable at ${bin}` : 'not on PATH nor in /usr/sbin'}): ` +
      `\`bash .ci/run services\` installs it, or \`apt-get install ${name}\``,
  );
}

/**
 * Checks a config file with the engine itself (`nginx -t`, `haproxy -c`), without blocking the
 * event loop (a reload may happen while the lab measures latency). Rejects with
 * `CONFIG_INVALID` carrying the engine's message when it refuses the file.
 */
export async function checkConfig(engine: Engine, bin: string, config: string, dir: string): Promise<void> {
  // Output goes to a file, not a pipe: nginx opens `/dev/stdout` (an access log in a
  // container), and a pipe from Node is a socket, which cannot be opened by path.
  const outPath = join(dir, `check-${process.pid}-${++checks}.log`);
  const out = openSync(outPath, 'w');
  let result: { code: number | null; signal: NodeJS.Signals | null } | Error;
  try {
    const child = spawn(bin, engine.checkArgs(config, dir), { stdio: ['ignore', out, out], timeout: 15_000 });
    result = await new Promise((resolve) => {
      child.once('error', resolve);
      child.once('exit', (code, signal) => resolve({ code, signal }));
    });
  } finally {
    closeSync(out);
  }
  const said = readFileSync(outPath, 'utf8').trim();
  rmSync(outPath, { force: true });
  if (result instanceof Error) {
    throw new RealBalancerError('CONFIG_INVALID', `${bin} could not run: ${result.message}`);
  }
  if (result.code !== 0) {
    throw new RealBalancerError(
      'CONFIG_INVALID',
      `${engine.name} refused ${config}:\n${said || `exit status ${result.code ?? result.signal}`}`,
    );
  }
}

let checks = 0;

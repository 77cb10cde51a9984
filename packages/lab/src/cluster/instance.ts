/**
 * One instance process: started with an IPC channel (so the IPC bus and the `stats` exchange
 * work), its output kept in a short ring for error messages, its readiness awaited on
 * `GET /readyz`, its figures asked for over IPC with /proc as the fallback.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { request } from 'node:http';
import { createInterface } from 'node:readline';

/** What a running instance answers to `{ type: 'stats?' }`. */
export interface InstanceStats {
  rss: number | null;
  requests: number | null;
  sessions: number | null;
  /** Store operations and bus publishes since start, when the app counts them. */
  storeOps?: number | null;
}

export interface InstanceProcess {
  readonly child: ChildProcess;
  readonly pid: number | null;
  /** Resolves once the process has exited (never rejects). */
  readonly exited: Promise<{ code: number | null; signal: string | null }>;
  /** The last lines the process wrote to stdout and stderr. */
  tail(): string;
  /** Asks the instance for its figures; `null` fields when it does not answer in time. */
  stats(timeoutMs?: number): Promise<InstanceStats>;
}

const TAIL_LINES = 40;

/**
 * Starts `command` (argv; `node` means this Node binary) with `env`, stdin closed, stdout and
 * stderr piped to `onLine`, and an IPC channel as file descriptor 3 — what `fork()` does, for
 * any command. A Node child sees `process.send`; another program may ignore the channel.
 */
export function spawnInstance(
  command: readonly string[],
  env: NodeJS.ProcessEnv,
  cwd: string | undefined,
  onLine: (stream: 'stdout' | 'stderr', line: string) => void,
): InstanceProcess {
  const [file, ...args] = command;
  if (file === undefined) throw new Error('the instance command is empty');
  const child = spawn(file === 'node' ? process.execPath : file, args, {
    env,
    cwd,
    stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
    serialization: 'json',
  });
  const lines: string[] = [];
  const keep = (stream: 'stdout' | 'stderr') => (line: string) => {
    lines.push(line);
    if (lines.length > TAIL_LINES) lines.shift();
    onLine(stream, line);
  };
  createInterface({ input: child.stdout! }).on('line', keep('stdout'));
  createInterface({ input: child.stderr! }).on('line', keep('stderr'));

  const exited = new Promise<{ code: number | null; signal: string | null }>((resolve) => {
    child.once('exit', (code, signal) => resolve({ code, signal }));
    // A command that cannot be started emits 'error' and no 'exit'.
    child.once('error', (err) => {
      if (child.pid === undefined) {
        lines.push(String(err));
        resolve({ code: null, signal: null });
      }
    });
  });
  // The channel is closed when the child exits; a send racing with that must not crash us.
  child.on('error', () => {});

  let waiting: Array<(s: InstanceStats) => void> = [];
  child.on('message', (m: unknown) => {
    if (typeof m !== 'object' || m === null || (m as { type?: unknown }).type !== 'stats') return;
    const s = m as Record<string, unknown>;
    const num = (v: unknown) => (typeof v === 'number' && Number.isFinite(v) ? v : null);
    const stats = {
      rss: num(s.rss),
      requests: num(s.requests),
      sessions: num(s.sessions),
      storeOps: num(s.storeOps),
    };
    const w = waiting;
    waiting = [];
    for (const resolve of w) resolve(stats);
  });

  return {
    child,
    get pid() {
      return child.pid ?? null;
    },
    exited,
    tail: () => lines.join('\n'),
    stats(timeoutMs = 300) {
      const fallback = (): InstanceStats => ({ rss: procRss(child.pid), requests: null, sessions: null });
      if (!child.connected || child.exitCode !== null || child.signalCode !== null) {
        return Promise.resolve(fallback());
      }
      return new Promise((resolve) => {
        const timer = setTimeout(() => {
          waiting = waiting.filter((w) => w !== done);
          resolve(fallback());
        }, timeoutMs);
        const done = (s: InstanceStats) => {
          clearTimeout(timer);
          resolve({ ...s, rss: s.rss ?? procRss(child.pid) });
        };
        const first = waiting.length === 0;
        waiting.push(done);
        // One question answers every caller waiting at that moment.
        if (first) {
          try {
            child.send({ type: 'stats?' }, undefined, undefined, () => {});
          } catch {
            // The channel closed under us: the timer answers with the fallback.
          }
        }
      });
    },
  };
}

/** The resident set size of `pid` in bytes, read from /proc (Linux); `null` elsewhere. */
export function procRss(pid: number | undefined | null): number | null {
  if (pid === undefined || pid === null) return null;
  try {
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    const m = /^VmRSS:\s+(\d+)\s+kB/m.exec(status);
    return m ? Number(m[1]) * 1024 : null;
  } catch {
    return null;
  }
}

/** One `GET path` on 127.0.0.1:port; resolves with the status, or 0 when there was no answer. */
export function probe(port: number, path: string, timeoutMs: number, host = '127.0.0.1'): Promise<number> {
  return new Promise((resolve) => {
    const req = request({ host, port, path, method: 'GET', agent: false, timeout: timeoutMs }, (res) => {
      res.resume();
      res.once('end', () => resolve(res.statusCode ?? 0));
      res.once('error', () => resolve(0));
    });
    req.once('timeout', () => req.destroy(new Error('timeout')));
    req.once('error', () => resolve(0));
    req.end();
  });
}

/**
 * Resolves once `GET /readyz` answers 200; rejects when the process exits first or the time is
 * up, with the end of its output in the message (the usual reason is a crash at start-up).
 */
export async function waitReady(
  id: string,
  port: number,
  proc: InstanceProcess,
  timeoutMs: number,
): Promise<void> {
  let exited = false;
  void proc.exited.then(() => {
    exited = true;
  });
  const deadline = Date.now() + timeoutMs;
  while (!exited && Date.now() < deadline) {
    if ((await probe(port, '/readyz', 1000)) === 200) return;
    if (exited) break;
    await new Promise((r) => setTimeout(r, 50));
  }
  const why = exited ? 'exited before it was ready' : `was not ready within ${timeoutMs} ms`;
  const tail = proc.tail();
  throw new Error(`instance ${id} (port ${port}) ${why}${tail ? `; its last output:\n${tail}` : ''}`);
}

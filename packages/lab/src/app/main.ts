#!/usr/bin/env node
/**
 * An app instance as a process, per the instance contract (docs/app-contract.md): reads its
 * environment, opens the store and bus it names, serves on HOST:PORT (127.0.0.1 unless HOST says otherwise, as in a container), answers the
 * supervisor's `{ type: 'stats?' }` over IPC, and on SIGTERM (or SIGINT, or the supervisor going
 * away) drains: readiness fails at once, in-flight requests finish, connections close, exit —
 * 0 when every connection ended in time, 1 when the deadline cut some.
 */
import type { AddressInfo } from 'node:net';
import { isSessionError } from 'statecraft';
import type { MemoryStore } from 'statecraft/stores/memory';
import { createApp } from './app.js';
import { openInstance } from './backends.js';
import { type InstanceEnv, InstanceEnvError, readInstanceEnv } from './env.js';

/** Exit code when the environment is not usable. */
const EXIT_CONFIG = 2;

function fail(message: string, code: number): never {
  process.stderr.write(`statecraft app: ${message}\n`);
  process.exit(code);
}

function readEnv(): InstanceEnv {
  try {
    return readInstanceEnv();
  } catch (e) {
    if (e instanceof InstanceEnvError) fail(e.message, EXIT_CONFIG);
    throw e;
  }
}

async function main(): Promise<void> {
  const env = readEnv();
  const instance = await openInstance(env).catch((e: unknown) =>
    // A store or bus that cannot be reached: its code, never its URL.
    fail(
      isSessionError(e)
        ? `cannot start: ${e.code} (${env.store?.kind ?? 'no store'}, bus ${env.bus?.kind ?? 'none'})`
        : `cannot start: ${e instanceof Error ? e.message : 'unknown error'}`,
      1,
    ),
  );
  const server = createApp({
    mode: env.mode,
    sessions: instance.sessions,
    bus: instance.bus,
    instanceId: env.instanceId,
    eagerSessions: env.eagerSessions,
  });
  await server.app.ready();
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    // Loopback by default: an instance is reached through the balancer. A container sets
    // HOST=0.0.0.0 so the balancer in another container can reach it.
    server.listen(env.port, process.env.HOST || '127.0.0.1', () => {
      server.off('error', reject);
      resolve();
    });
  });
  const { port } = server.address() as AddressInfo;
  const memory = env.store?.kind === 'memory' ? (instance.store as MemoryStore) : null;

  // One line: what runs where. Never the secret, a store URL or a session id.
  process.stdout.write(
    `statecraft app ${env.instanceId}: mode ${env.mode}, port ${port}, store ${env.store?.kind ?? 'none'}, bus ${env.bus?.kind ?? 'none'}, sessions ${env.eagerSessions ? 'eager' : 'lazy'}, pid ${process.pid}\n`,
  );

  let stopping = false;
  async function stop(): Promise<void> {
    if (stopping) return;
    stopping = true;
    // Whatever happens below, the process is gone shortly after the deadline.
    setTimeout(() => process.exit(1), env.drainMs + 2000).unref();
    const clean = await server.app.drain(env.drainMs);
    await instance.close();
    process.exit(clean ? 0 : 1);
  }
  // Kept (not `once`): a second signal during the drain must not kill it half-way.
  process.on('SIGTERM', () => void stop());
  process.on('SIGINT', () => void stop());

  if (typeof process.send === 'function') {
    process.on('message', (m: unknown) => {
      if (typeof m !== 'object' || m === null || (m as { type?: unknown }).type !== 'stats?') return;
      process.send?.(
        {
          type: 'stats',
          rss: process.memoryUsage.rss(),
          requests: server.app.requests,
          // Live sessions held in this process (sticky); other stores have no cheap count.
          sessions: memory === null ? null : memory.stats().sessions,
          storeOps: instance.storeOps(),
        },
        undefined,
        undefined,
        () => {},
      );
    });
    // The supervisor is gone: nobody will route here or stop us; leave cleanly.
    process.once('disconnect', () => void stop());
    process.send({ type: 'listening', port, instance: env.instanceId }, undefined, undefined, () => {});
  }
}

main().catch((e: unknown) => fail(e instanceof Error ? e.message : 'unknown error', 1));

/**
 * What the load generator's tests share: the fixture shop started in this process or as a child
 * process (which a test may SIGSTOP), and its control commands.
 */
import { type ChildProcess, fork } from 'node:child_process';
import { once } from 'node:events';
import { resolve } from 'node:path';
import { createShop, type Shop, type ShopOptions } from './fixtures/shop.js';

export interface RunningShop {
  url: string;
  /** Sends a control command (`/_lab/...`) and returns its JSON answer. */
  control(path: string, method?: 'GET' | 'POST'): Promise<Record<string, unknown>>;
  close(): Promise<void>;
}

async function control(url: string, path: string, method: 'GET' | 'POST' = 'POST') {
  const r = await fetch(url + path, { method });
  return (await r.json()) as Record<string, unknown>;
}

/** The fixture shop in this process. */
export async function startShop(options: ShopOptions = {}): Promise<RunningShop & { shop: Shop }> {
  const shop = createShop(options);
  shop.server.listen(0, '127.0.0.1');
  await once(shop.server, 'listening');
  const address = shop.server.address();
  const url = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`;
  return {
    url,
    shop,
    control: (path, method) => control(url, path, method),
    close: async () => {
      shop.server.closeAllConnections();
      await new Promise<void>((r) => shop.server.close(() => r()));
    },
  };
}

function tsxLoader(): string {
  try {
    return import.meta.resolve('tsx');
  } catch {
    return 'tsx';
  }
}

/** The fixture shop as a child process. */
export async function forkShop(
  env: Record<string, string> = {},
): Promise<RunningShop & { child: ChildProcess }> {
  const child = fork(resolve(import.meta.dirname, 'fixtures/shop-main.ts'), [], {
    execArgv: ['--import', tsxLoader()],
    env: { ...process.env, ...env },
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  const [message] = (await Promise.race([
    once(child, 'message'),
    once(child, 'exit').then(() => {
      throw new Error('the fixture shop exited before listening');
    }),
  ])) as [{ type: string; port: number }];
  const url = `http://127.0.0.1:${message.port}`;
  return {
    url,
    child,
    control: (path, method) => control(url, path, method),
    close: async () => {
      if (child.exitCode !== null || child.signalCode !== null) return;
      child.kill('SIGCONT'); // in case a test left it stopped
      child.kill('SIGTERM');
      await once(child, 'exit');
    },
  };
}

/**
 * Shared by the benchmark servers: each serves the same four routes, prints one JSON line
 * `{"port":N}` on stdout once it listens, and exits when its parent closes stdin.
 *
 *   POST /login   logs in as "bench" with a two-item cart and a visit counter
 *   GET  /me      401 unless logged in, else { user, cart, visits }: a read of the session
 *   GET  /touch   { ok }: the session is loaded and checked, its data not read
 *   POST /visit   visits + 1: a write
 */
import { randomBytes } from 'node:crypto';

export type Data = { user: string; cart: string[]; visits: number };

export const CART = ['sku-1', 'sku-2'];

/** One secret per run: 32 random bytes (as hex where a library wants a string). */
export const SECRET = randomBytes(32);

export const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';

/** Tells the parent where to send load, and dies with it. */
export function ready(port: number, close: () => Promise<unknown> | unknown): void {
  process.stdout.write(`${JSON.stringify({ port })}\n`);
  process.stdin.resume();
  process.stdin.on('end', async () => {
    await close();
    process.exit(0);
  });
}

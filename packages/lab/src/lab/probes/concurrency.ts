/**
 * Claim C9: concurrent cart additions on one session. The probe sends `n` additions at once
 * with the same credential, keeps the credential of the last answer (as a browser keeps the
 * last cookie it got), and counts the items the server then holds.
 */
import { cartOf, ProbeClient } from './client.js';

export interface ConcurrencyResult {
  sent: number;
  acknowledged: number;
  kept: number;
  lost: number;
}

export async function probeConcurrency(base: string, user: string, n = 20): Promise<ConcurrencyResult> {
  const client = new ProbeClient(base);
  await client.send('POST', '/login', { user });
  const answers = await Promise.all(
    Array.from({ length: n }, async (_, i) => {
      const c = client.clone();
      const a = await c.send('POST', '/cart/items', { sku: `race-${i}`, qty: 1 });
      return { a, c, at: performance.now() };
    }),
  );
  const acknowledged = answers.filter((x) => x.a.status === 200).length;
  const last = answers
    .filter((x) => x.a.status === 200)
    .sort((x, y) => x.at - y.at)
    .at(-1);
  const reader = last?.c ?? client;
  const cart = cartOf(await reader.send('GET', '/cart'));
  const kept = cart.filter((i) => i.sku.startsWith('race-')).length;
  return { sent: n, acknowledged, kept, lost: acknowledged - kept };
}

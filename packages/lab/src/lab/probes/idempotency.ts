/**
 * Claim C12: repeating a request. A checkout is sent, then the very same request is replayed
 * with the same credential it was first sent with (a client retry after a lost response), with
 * an `Idempotency-Key` and without one. A duplicate is a second order for one intent.
 */
import { ProbeClient } from './client.js';

export interface IdempotencyResult {
  duplicatesWithKey: number;
  duplicatesWithoutKey: number;
}

async function checkoutTwice(base: string, user: string, key: string | null): Promise<number> {
  const client = new ProbeClient(base);
  await client.send('POST', '/login', { user });
  await client.send('POST', '/cart/items', { sku: 'idem-1', qty: 1 });
  const retry = client.clone(); // the credential as it was when the request was first sent
  const headers: Record<string, string> = key ? { 'idempotency-key': key } : {};
  const first = await client.send('POST', '/checkout', undefined, headers);
  const again = await retry.send('POST', '/checkout', undefined, headers);
  if (first.status !== 200) return 0;
  // A replay refused because the cart is now empty placed no second order either.
  if (again.status !== 200) return 0;
  return again.body?.orderId === first.body?.orderId ? 0 : 1;
}

export async function probeIdempotency(base: string, tag: string): Promise<IdempotencyResult> {
  return {
    duplicatesWithKey: await checkoutTwice(base, `${tag}-idem-k`, `${tag}-key-1`),
    duplicatesWithoutKey: await checkoutTwice(base, `${tag}-idem-n`, null),
  };
}

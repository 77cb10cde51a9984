/**
 * A population of logged-in users with carts, each remembering what the server must hold for
 * it, so the lab counts real damage after a fault: users forced to log in again, cart items
 * lost, and responses naming another user (which must never happen).
 */
import { type Answer, cartOf, ProbeClient } from './client.js';

export interface Member {
  user: string;
  client: ProbeClient;
  cart: string[];
}

export interface Damage {
  /** Users whose next request was refused (401): they must log in again. */
  sessionsLost: number;
  /** Cart items the users had added (and got 200 for) that the server no longer holds. */
  cartItemsLost: number;
  /** Answers naming a user other than the one asking. */
  wrongUser: number;
  /** Requests that failed outright (5xx, refused connections) during the check. */
  failed: number;
}

/** `size` users, each logged in with `items` items in the cart, through `base` (the balancer). */
export async function populate(base: string, size: number, items: number, tag: string): Promise<Member[]> {
  const members: Member[] = [];
  const batch = 20;
  for (let i = 0; i < size; i += batch) {
    const chunk = await Promise.all(
      Array.from({ length: Math.min(batch, size - i) }, async (_, j) => {
        const user = `${tag}-u${i + j}`;
        const client = new ProbeClient(base);
        await client.send('POST', '/login', { user });
        const cart: string[] = [];
        for (let k = 0; k < items; k++) {
          const sku = `sku-${i + j}-${k}`;
          if ((await client.send('POST', '/cart/items', { sku, qty: 1 })).status === 200) cart.push(sku);
        }
        return { user, client, cart };
      }),
    );
    members.push(...chunk);
  }
  return members;
}

/** Asks every member's session what it holds and counts the damage against its model. */
export async function assess(members: readonly Member[]): Promise<Damage> {
  const d: Damage = { sessionsLost: 0, cartItemsLost: 0, wrongUser: 0, failed: 0 };
  await Promise.all(
    members.map(async (m) => {
      let a: Answer;
      try {
        a = await m.client.send('GET', '/me');
      } catch {
        d.failed++;
        return;
      }
      if (a.status === 401) {
        d.sessionsLost++;
        d.cartItemsLost += m.cart.length;
        return;
      }
      if (a.status !== 200) {
        d.failed++;
        return;
      }
      if (a.body?.user !== m.user) d.wrongUser++;
      const held = new Set(cartOf(a).map((i) => i.sku));
      d.cartItemsLost += m.cart.filter((s) => !held.has(s)).length;
    }),
  );
  return d;
}

/**
 * The shop's routes: login, me, cart, checkout, logout, logout everywhere (the public catalogue
 * is in catalogue.ts). Each handler gets the
 * request's session from the node:http adapter, which commits it before the response leaves.
 * See docs/app-contract.md for the contract these implement.
 */
import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Session, Sessions } from 'statecraft';
import { applyCommit, requireUser } from 'statecraft/adapters/node-http';
import { HttpError, readJson, sendJson } from './http.js';
import {
  type CartItem,
  CartItemBody,
  idempotencyKey,
  LoginBody,
  MAX_CART_ITEMS,
  MAX_KEPT_ORDERS,
  type Order,
  type ShopData,
} from './shop.js';

export interface RouteContext {
  sessions: Sessions<ShopData>;
  /** Largest request body read, in bytes. */
  maxBodyBytes: number;
}

export type RouteHandler = (
  req: IncomingMessage,
  res: ServerResponse,
  session: Session<ShopData>,
  ctx: RouteContext,
) => Promise<void> | void;

export interface Route {
  method: 'GET' | 'POST';
  path: string;
  handle: RouteHandler;
}

/** Adds `order` under `key`, forgetting the oldest orders past `MAX_KEPT_ORDERS`. */
function remember(orders: Record<string, Order>, key: string, order: Order): Record<string, Order> {
  const next: Record<string, Order> = { ...orders, [key]: order };
  const keys = Object.keys(next);
  for (const k of keys.slice(0, Math.max(0, keys.length - MAX_KEPT_ORDERS))) delete next[k];
  return next;
}

const login: RouteHandler = async (req, res, session, ctx) => {
  const { user } = await readJson(req, LoginBody, ctx.maxBodyBytes);
  // A new id on every login (OWASP Session Management: renew the id on privilege change).
  await session.login(user);
  sendJson(res, 200, { user });
};

const me: RouteHandler = (_req, res, session) => {
  const user = requireUser(session);
  sendJson(res, 200, { user, cart: session.get('cart') ?? [] });
};

const addItem: RouteHandler = async (req, res, session, ctx) => {
  requireUser(session);
  const { sku, qty } = await readJson(req, CartItemBody, ctx.maxBodyBytes);
  if ((session.get('cart')?.length ?? 0) >= MAX_CART_ITEMS) {
    throw new HttpError('CART_FULL', `a cart holds at most ${MAX_CART_ITEMS} items`);
  }
  const item: CartItem = { sku, qty };
  // update(), not set(): where the mode has a store, a concurrent addition that committed first
  // is kept (compare-and-set replays this function on what it stored).
  session.update('cart', (cart = []) => (cart.length >= MAX_CART_ITEMS ? cart : [...cart, item]));
  sendJson(res, 200, { item });
};

const cart: RouteHandler = (_req, res, session) => {
  requireUser(session);
  sendJson(res, 200, { items: session.get('cart') ?? [] });
};

const REPLAYED = { 'idempotent-replayed': 'true' };

const checkout: RouteHandler = async (req, res, session) => {
  requireUser(session);
  const key = idempotencyKey(req.headers['idempotency-key']);
  if (key === null) {
    throw new HttpError(
      'BAD_IDEMPOTENCY_KEY',
      'Idempotency-Key: 1 to 128 of A-Z a-z 0-9 _ . : -, starting with a letter or digit',
    );
  }
  const kept = key === undefined ? undefined : session.get('orders');
  if (key !== undefined && kept !== undefined && Object.hasOwn(kept, key)) {
    return sendJson(res, 200, kept[key], REPLAYED);
  }
  const items = session.get('cart') ?? [];
  if (items.length === 0) throw new HttpError('CART_EMPTY', 'the cart is empty');
  const order: Order = { orderId: randomUUID(), items };

  // Both functions run again, in this order, if another request wrote the session first: a
  // concurrent checkout with the same key that won keeps its order, and the cart then stays.
  let placed = true;
  if (key !== undefined) {
    session.update('orders', (orders = {}) => {
      placed = !Object.hasOwn(orders, key);
      return placed ? remember(orders, key, order) : orders;
    });
  }
  // Items added meanwhile were appended after the ones ordered: keep them.
  session.update('cart', (c = []) => (placed ? c.slice(items.length) : c));

  // Commit before answering, so the answer is the order the session kept; the adapter's own
  // commit then finds nothing left to write.
  applyCommit(res, session, await session.commit(), null);
  const final = key === undefined ? order : (session.get('orders')?.[key] ?? order);
  sendJson(res, 200, final, placed ? undefined : REPLAYED);
};

const logout: RouteHandler = async (_req, res, session) => {
  await session.logout();
  sendJson(res, 200, { ok: true });
};

const logoutEverywhere: RouteHandler = async (_req, res, session, ctx) => {
  const user = requireUser(session);
  // Throws STRATEGY_UNSUPPORTED (501) in stateless: a token cannot be ended before it expires.
  const ended = await ctx.sessions.revokeUser(user);
  await session.logout(); // this session was among them: clear its cookie too
  sendJson(res, 200, { ended });
};

/** Every shop route. */
export const SHOP_ROUTES: readonly Route[] = [
  { method: 'POST', path: '/login', handle: login },
  { method: 'GET', path: '/me', handle: me },
  { method: 'POST', path: '/cart/items', handle: addItem },
  { method: 'GET', path: '/cart', handle: cart },
  { method: 'POST', path: '/checkout', handle: checkout },
  { method: 'POST', path: '/logout', handle: logout },
  { method: 'POST', path: '/logout-everywhere', handle: logoutEverywhere },
];

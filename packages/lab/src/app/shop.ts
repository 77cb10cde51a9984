/**
 * The shop's data and the shapes of what clients send, validated with zod. Limits keep a
 * session small enough to travel in a cookie (RFC 6265 §6.1: browsers keep 4096 bytes), which
 * the `stateless` mode needs: its whole session is the cookie.
 */
import { z } from 'zod';

export interface CartItem {
  sku: string;
  qty: number;
}

export interface Order {
  orderId: string;
  items: CartItem[];
}

/** What the reference app keeps in a session. */
export type ShopData = {
  cart: CartItem[];
  /** Orders placed with an `Idempotency-Key`, by key, oldest first; at most `MAX_KEPT_ORDERS`. */
  orders: Record<string, Order>;
};

export interface Product {
  sku: string;
  name: string;
  /** Price in cents. */
  price: number;
}

/** The public catalogue: the same for every visitor, so a shared cache may serve it. */
export const PRODUCTS: readonly Product[] = [
  { sku: 'tea-1', name: 'Green tea', price: 650 },
  { sku: 'tea-2', name: 'Black tea', price: 550 },
  { sku: 'cup-1', name: 'Cup', price: 1200 },
  { sku: 'pot-1', name: 'Teapot', price: 3900 },
  { sku: 'ink-1', name: 'Ink', price: 300 },
];

/** Items a cart holds; one more is refused with 409 `CART_FULL`. */
export const MAX_CART_ITEMS = 100;
/** Keyed orders a session remembers for replays; the oldest is forgotten first. */
export const MAX_KEPT_ORDERS = 10;
/** Characters of a chat line. */
export const MAX_CHAT_TEXT = 500;

/** `POST /login` */
export const LoginBody = z.object({
  user: z
    .string()
    .min(1)
    .max(64)
    .regex(/^[A-Za-z0-9][A-Za-z0-9_.@-]*$/, 'letters, digits, _ . @ -'),
});

/** `POST /cart/items` */
export const CartItemBody = z.object({
  sku: z
    .string()
    .min(1)
    .max(32)
    .regex(/^[A-Za-z0-9][A-Za-z0-9_.-]*$/, 'letters, digits, _ . -'),
  qty: z.number().int().min(1).max(99),
});

/** A chat message from a client: `{ text }`. */
export const ChatMessage = z.object({
  text: z.string().trim().min(1).max(MAX_CHAT_TEXT),
});

/**
 * `Idempotency-Key` (draft-ietf-httpapi-idempotency-key-header): a Structured Field string, so
 * it may come quoted; the unquoted form is accepted too. Keys start with a letter or digit,
 * which also keeps `__proto__` and friends out of the orders map.
 */
const IDEMPOTENCY_KEY = /^[A-Za-z0-9][A-Za-z0-9_.:-]{0,127}$/;

/** The key, `undefined` when the header is absent, or `null` when it is malformed. */
export function idempotencyKey(header: string | string[] | undefined): string | undefined | null {
  if (header === undefined) return undefined;
  if (Array.isArray(header)) return null;
  const raw = header.trim();
  const key = raw.length >= 2 && raw.startsWith('"') && raw.endsWith('"') ? raw.slice(1, -1) : raw;
  return IDEMPOTENCY_KEY.test(key) ? key : null;
}

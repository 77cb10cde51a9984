/**
 * The public catalogue: `GET /products` and `GET /products/:sku`, the same answer for every
 * visitor. With lazy sessions it is served outside any session, marked cacheable by shared
 * caches, with an ETag for revalidation. With eager sessions (as frameworks that save
 * uninitialized sessions do) a visitor without a session gets one: the answer then sets a
 * cookie, and the session adapter marks it `no-store` — the contrast the lab's caching claim
 * (C13) measures.
 */
import { createHash } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { HttpError, sendFailure } from './http.js';
import type { Route, RouteHandler } from './routes.js';
import { PRODUCTS } from './shop.js';

/** The path of one product: `/products/` and its sku. */
export const PRODUCT_PREFIX = '/products/';
/** The route key every `/products/:sku` path is served under. */
export const PRODUCT_ROUTE = '/products/:sku';

interface Entry {
  body: string;
  etag: string;
}

function entry(value: unknown): Entry {
  const body = JSON.stringify(value);
  return { body, etag: `"${createHash('sha256').update(body).digest('base64url').slice(0, 16)}"` };
}

const LIST = entry({ products: PRODUCTS });
const BY_SKU = new Map(PRODUCTS.map((p) => [p.sku, entry({ product: p })]));

/** A shared cache may keep the catalogue for a minute (RFC 9111 §5.2.2.9, §5.2.2.1). */
const PUBLIC = 'public, max-age=60';

/** The catalogue entry a path names; throws 404 `NOT_FOUND` for an unknown sku. */
function lookup(url: string | undefined): Entry {
  const u = url ?? '/';
  const q = u.indexOf('?');
  const path = q === -1 ? u : u.slice(0, q);
  if (!path.startsWith(PRODUCT_PREFIX)) return LIST;
  const found = BY_SKU.get(path.slice(PRODUCT_PREFIX.length));
  if (found === undefined) throw new HttpError('NOT_FOUND', 'no such product');
  return found;
}

/** True when `If-None-Match` names the entry's current version (RFC 9110 §13.1.2). */
function notModified(req: IncomingMessage, e: Entry): boolean {
  const tags = req.headers['if-none-match'];
  return tags?.split(',').some((t) => t.trim() === e.etag || t.trim() === '*') ?? false;
}

/** Sends the entry (or 304), with `cacheControl` when given. */
function send(req: IncomingMessage, res: ServerResponse, cacheControl: string | null): void {
  let e: Entry;
  try {
    e = lookup(req.url);
  } catch (err) {
    sendFailure(res, err);
    return;
  }
  const headers: Record<string, string | number> = { etag: e.etag, 'content-type': 'application/json' };
  if (cacheControl !== null) headers['cache-control'] = cacheControl;
  if (notModified(req, e)) res.writeHead(304, headers).end();
  else res.writeHead(200, { ...headers, 'content-length': Buffer.byteLength(e.body) }).end(e.body);
}

/** The catalogue with lazy sessions: no session is loaded, nothing varies by visitor. */
export function sendCatalogue(req: IncomingMessage, res: ServerResponse): void {
  send(req, res, PUBLIC);
}

/**
 * The catalogue with eager sessions: a visitor without a session gets one. No `Cache-Control`
 * of its own: the adapter marks a response that sets a cookie or belongs to a user `no-store`.
 */
const eagerCatalogue: RouteHandler = (req, res, session) => {
  if (session.isNew) session.set('cart', []);
  send(req, res, null);
};

/** The catalogue's routes when sessions are eager (see `AppConfig.eagerSessions`). */
export const EAGER_CATALOGUE_ROUTES: readonly Route[] = [
  { method: 'GET', path: '/products', handle: eagerCatalogue },
  { method: 'GET', path: PRODUCT_ROUTE, handle: eagerCatalogue },
];

/**
 * Virtual users of the shop (docs/app-contract.md). Each keeps a credential (a cookie jar, or a
 * bearer token) and a model of what the server must hold for it — logged in or not, the cart
 * items it added and got a 200 for, the order placed under each `Idempotency-Key` — and checks
 * every answer it reads against that model. What it finds is the damage a mode does to its
 * users: sessions lost, cart items lost, answers naming another user, replays that placed a
 * second order.
 *
 * The checks never blame the server for the lab's own concurrency. An answer is compared only
 * with what the model knew when the request left: an item confirmed after a `GET /cart` was sent
 * may or may not be in its answer; a checkout that overlapped the read may have emptied the
 * cart; a request sent with a credential the user has since replaced says nothing about the new
 * one (each login or loss starts a new "generation").
 */
import type { Action } from './actions.js';
import { CREDENTIAL_AUTHORIZATION, CREDENTIAL_COOKIE } from './cacheability.js';
import { CookieJar, parseSetCookie } from './cookies.js';
import type { UserCounters } from './user-counters.js';

export type HttpMethod = 'GET' | 'POST';

/**
 * One request as a user prepared it, and what the user needs to judge its answer. The
 * generator's in-flight handler extends this class, so a request costs one reused object.
 */
export class RequestSlot {
  user = 0;
  /** The action actually sent (may differ from the planned one). */
  action: Action = 'me';
  method: HttpMethod = 'GET';
  path = '/';
  /** Flat `[name, value, …]`, as undici takes them. */
  readonly headers: string[] = [];
  body: string | null = null;
  /** Whether a 200 answer's body must be read. */
  needsBody = false;
  /** Bytes of the `Cookie` and `Authorization` header lines sent. */
  credentialBytes = 0;
  /** Which credential headers were sent: `CREDENTIAL_COOKIE` | `CREDENTIAL_AUTHORIZATION` bits. */
  credentialKinds = 0;
  /** An anonymous visit: sent without the user's credential; what it sets is not the user's. */
  anonymous = false;
  // The model as it was when the request left:
  generation = 0;
  confirmedSeq = 0;
  checkoutEpoch = 0;
  checkoutBusy = false;
  sku: string | null = null;
  key: string | null = null;
  expectedOrder: string | null = null;
}

export interface UsersOptions {
  count: number;
  /** Users are named `<prefix><index>` (`u0`, `u1`, …). @default 'u' */
  namePrefix?: string;
  /**
   * `cookie`: the session travels in the cookie jar. `bearer`: in `Authorization: Bearer`, the
   * token taken from the `session-token` answer header (or, failing that, the session cookie).
   * @default 'cookie'
   */
  credential?: 'cookie' | 'bearer';
  /**
   * Items a user lets its cart hold: past it an addition becomes a checkout. Small, because in
   * `stateless` the cart and the kept orders ride in a 4096-byte cookie.
   * @default 5
   */
  maxCartItems?: number;
}

/** What the server must hold for one user. */
interface Model {
  name: string;
  loginBody: string;
  jar: CookieJar;
  token: string | null;
  loggedIn: boolean;
  /** Bumped at every login, loss and logout: answers to older requests judge an older session. */
  generation: number;
  /** Confirmed cart items (skus, unique) and the order in which they were confirmed. */
  items: string[];
  seqs: number[];
  seq: number;
  nextItem: number;
  /** Skus seen in an order before their addition was confirmed: not to be expected in the cart. */
  ordered: Set<string>;
  checkoutEpoch: number;
  checkoutsInFlight: number;
  /** Order id by idempotency key, most recent last; at most `KEPT_ORDERS`. */
  orders: Map<string, string>;
  lastKey: string | null;
  nextOrder: number;
}

/** The app keeps the 10 most recent keyed orders per session; the users keep as many. */
const KEPT_ORDERS = 10;
const SESSION_COOKIES = new Set(['sid', '__Host-sid']);
const USER_NAME = /^[A-Za-z0-9][A-Za-z0-9_.@-]*$/;
const JSON_TYPE = 'application/json';

/** A read-only view of one user's model, for tests and reports. */
export interface UserView {
  name: string;
  loggedIn: boolean;
  items: readonly string[];
  orders: ReadonlyMap<string, string>;
}

/** The population of virtual users. */
export class VirtualUsers {
  readonly count: number;
  readonly credential: 'cookie' | 'bearer';
  readonly maxCartItems: number;
  readonly #models: Model[] = [];

  constructor(options: UsersOptions) {
    const { count, namePrefix = 'u', credential = 'cookie', maxCartItems = 5 } = options;
    if (!Number.isInteger(count) || count < 1)
      throw new RangeError(`count must be an integer >= 1, got ${count}`);
    if (!USER_NAME.test(namePrefix) || namePrefix.length + String(count).length > 64) {
      throw new RangeError('namePrefix must start with a letter or digit and use A-Z a-z 0-9 _ . @ -');
    }
    if (!Number.isInteger(maxCartItems) || maxCartItems < 1 || maxCartItems > 99) {
      throw new RangeError('maxCartItems must be an integer from 1 to 99');
    }
    this.count = count;
    this.credential = credential;
    this.maxCartItems = maxCartItems;
    for (let i = 0; i < count; i++) {
      const name = `${namePrefix}${i}`;
      this.#models.push({
        name,
        loginBody: JSON.stringify({ user: name }),
        jar: new CookieJar(),
        token: null,
        loggedIn: false,
        generation: 0,
        items: [],
        seqs: [],
        seq: 0,
        nextItem: 0,
        ordered: new Set(),
        checkoutEpoch: 0,
        checkoutsInFlight: 0,
        orders: new Map(),
        lastKey: null,
        nextOrder: 0,
      });
    }
  }

  /** One user's model as it stands. */
  view(user: number): UserView {
    const m = this.#model(user);
    return { name: m.name, loggedIn: m.loggedIn, items: [...m.items], orders: new Map(m.orders) };
  }

  #model(user: number): Model {
    const m = this.#models[user];
    if (!m) throw new RangeError(`no virtual user ${user} (there are ${this.count})`);
    return m;
  }

  /**
   * Turns a planned action into the request to send now, filling `slot`. A `browse` is an
   * anonymous visit to the catalogue whatever the user's state; otherwise a user that is not
   * logged in logs in whatever was planned; a checkout of an empty cart becomes an addition and
   * an addition to a full one a checkout; a replay with no order to replay becomes a checkout.
   */
  prepare(user: number, planned: Action, slot: RequestSlot): void {
    const m = this.#model(user);
    if (planned === 'browse') {
      this.#browse(user, slot);
      return;
    }
    let action = planned;
    if (!m.loggedIn) action = 'login';
    else if (action === 'replay' && m.lastKey === null) action = 'checkout';
    if (action === 'checkout' && m.items.length === 0) action = 'add';
    else if (action === 'add' && m.items.length >= this.maxCartItems) action = 'checkout';

    start(slot, user, action, false);
    slot.generation = m.generation;
    slot.confirmedSeq = m.seq;
    slot.checkoutEpoch = m.checkoutEpoch;
    slot.checkoutBusy = m.checkoutsInFlight > 0;
    const h = slot.headers;
    slot.credentialBytes = this.#credentials(m, slot);

    switch (action) {
      case 'login':
        slot.method = 'POST';
        slot.path = '/login';
        slot.body = m.loginBody;
        slot.needsBody = true;
        break;
      case 'me':
        slot.method = 'GET';
        slot.path = '/me';
        slot.needsBody = true;
        break;
      case 'cart':
        slot.method = 'GET';
        slot.path = '/cart';
        slot.needsBody = true;
        break;
      case 'add': {
        // Unique skus (user and sequence, base 36): an item that goes missing is named exactly.
        const sku = `${user.toString(36)}-${(m.nextItem++).toString(36)}`;
        slot.method = 'POST';
        slot.path = '/cart/items';
        slot.sku = sku;
        slot.body = `{"sku":"${sku}","qty":1}`;
        break;
      }
      case 'checkout':
      case 'replay': {
        const key =
          action === 'replay' ? m.lastKey! : `k${user.toString(36)}-${(m.nextOrder++).toString(36)}`;
        slot.method = 'POST';
        slot.path = '/checkout';
        slot.key = key;
        slot.expectedOrder = action === 'replay' ? (m.orders.get(key) ?? null) : null;
        slot.needsBody = true;
        h.push('idempotency-key', key);
        m.checkoutEpoch++;
        m.checkoutsInFlight++;
        break;
      }
      case 'logout':
        slot.method = 'POST';
        slot.path = '/logout';
        break;
    }
    if (slot.body !== null) h.push('content-type', JSON_TYPE);
  }

  /**
   * A visitor who is not logged in looks at the public catalogue: no credential, nothing in the
   * user's model changes, and a cookie the answer sets is not kept (every such visit is a new
   * visitor, as most catalogue traffic is).
   */
  #browse(user: number, slot: RequestSlot): void {
    start(slot, user, 'browse', true);
    slot.generation = -1;
    slot.credentialBytes = 0;
    slot.credentialKinds = 0;
    slot.method = 'GET';
    slot.path = '/products';
  }

  /** Pushes the credential headers; returns their bytes on the wire (`name: value\r\n`). */
  #credentials(m: Model, slot: RequestSlot): number {
    const h = slot.headers;
    let bytes = 0;
    let kinds = 0;
    const cookie = m.jar.header;
    if (cookie !== null) {
      h.push('cookie', cookie);
      bytes += 10 + cookie.length;
      kinds |= CREDENTIAL_COOKIE;
    }
    if (this.credential === 'bearer' && m.token !== null) {
      const value = `Bearer ${m.token}`;
      h.push('authorization', value);
      bytes += 17 + value.length;
      kinds |= CREDENTIAL_AUTHORIZATION;
    }
    slot.credentialKinds = kinds;
    return bytes;
  }

  /** Applies a `Set-Cookie` line of an answer to `user` (as soon as the headers arrive). */
  setCookie(user: number, line: string): void {
    const m = this.#model(user);
    if (this.credential === 'bearer') {
      const c = parseSetCookie(line);
      if (c !== null && SESSION_COOKIES.has(c.name)) {
        // A bearer client holds the session as a token; the cookie only tells it the new value.
        m.token = c.gone ? null : c.value;
        return;
      }
    }
    m.jar.set(line);
  }

  /** Applies a `session-token` answer header (bearer clients). */
  setToken(user: number, token: string): void {
    if (this.credential === 'bearer') this.#model(user).token = token === '' ? null : token;
  }

  /**
   * Judges an answer and updates the model. `body` is the answer's body when `slot.needsBody`
   * and the status is 200, otherwise null.
   */
  complete(slot: RequestSlot, status: number, body: Buffer | null, counters: UserCounters): void {
    const m = this.#model(slot.user);
    const action = slot.action;
    if (action === 'browse') return; // an anonymous visit: nothing of the user's is at stake
    if (action === 'checkout' || action === 'replay') m.checkoutsInFlight--;
    if (status === 401) {
      this.#lost(m, slot, counters);
      return;
    }
    if (status >= 500) {
      this.#unknownOutcome(m, slot, counters);
      return;
    }
    if (status !== 200) return; // 4xx other than 401: refused, nothing changed on the server

    switch (action) {
      case 'login': {
        const answer = readJson(body, counters);
        if (answer !== undefined && answer.user !== m.name) counters.wrongUser++;
        // A new session id on every login: requests still in flight judge the old one.
        m.loggedIn = true;
        m.generation++;
        counters.logins++;
        break;
      }
      case 'me': {
        const answer = readJson(body, counters);
        if (answer === undefined) break;
        if (answer.user !== m.name) counters.wrongUser++;
        else this.#compareCart(m, slot, answer.cart, counters);
        break;
      }
      case 'cart': {
        const answer = readJson(body, counters);
        if (answer !== undefined) this.#compareCart(m, slot, answer.items, counters);
        break;
      }
      case 'add':
        counters.itemsAdded++;
        if (m.ordered.delete(slot.sku!)) break; // already ordered by a checkout that overtook it
        if (slot.generation !== m.generation) break; // added to a session the user no longer holds
        m.items.push(slot.sku!);
        m.seqs.push(++m.seq);
        break;
      case 'checkout':
      case 'replay': {
        const answer = readJson(body, counters);
        if (answer === undefined || typeof answer.orderId !== 'string') {
          if (answer !== undefined) counters.malformedAnswers++;
          this.#unknownOutcome(m, slot, counters);
          break;
        }
        const orderId = answer.orderId;
        if (slot.expectedOrder !== null) {
          counters.replays++;
          if (orderId === slot.expectedOrder) {
            counters.replaysHonored++;
            break;
          }
          counters.duplicateCheckouts++; // the key was replayed and a second order placed
        } else {
          counters.orders++;
        }
        this.#remember(m, slot.key!, orderId);
        this.#removeOrdered(m, answer.items);
        break;
      }
      case 'logout':
        this.#forget(m);
        break;
    }
  }

  /** A request that got no answer (reset, refused, timeout). */
  fail(slot: RequestSlot, counters: UserCounters): void {
    if (slot.action === 'browse') return;
    const m = this.#model(slot.user);
    if (slot.action === 'checkout' || slot.action === 'replay') m.checkoutsInFlight--;
    this.#unknownOutcome(m, slot, counters);
  }

  /** 401 while the model says logged in, on the current session: the session is gone. */
  #lost(m: Model, slot: RequestSlot, counters: UserCounters): void {
    if (!m.loggedIn || slot.generation !== m.generation) return;
    counters.sessionsLost++;
    // The server holds no session for this user any more, so none of its cart: every item the
    // model holds is lost. (A fresh login starts an empty session.)
    counters.cartItemsLost += m.items.length;
    this.#forget(m);
  }

  /** Logged out: the session, its cart and its kept orders are gone, by design or not. */
  #forget(m: Model): void {
    m.loggedIn = false;
    m.generation++;
    m.items.length = 0;
    m.seqs.length = 0;
    m.ordered.clear();
    m.orders.clear();
    m.lastKey = null;
    m.token = null;
  }

  /**
   * No answer, or a 5xx: the request may or may not have taken effect. A checkout may have
   * emptied the cart, so the model stops expecting those items (without calling them lost); a
   * logout may have ended the session, so the user logs in again rather than read a 401 as a
   * loss. Additions simply stay unconfirmed.
   */
  #unknownOutcome(m: Model, slot: RequestSlot, counters: UserCounters): void {
    if (slot.generation !== m.generation) return;
    if (slot.action === 'checkout' || slot.action === 'replay') {
      counters.uncertainItems += m.items.length;
      m.items.length = 0;
      m.seqs.length = 0;
    } else if (slot.action === 'logout') {
      this.#forget(m);
    }
  }

  /** Compares the server's cart with the items confirmed before the request left. */
  #compareCart(m: Model, slot: RequestSlot, cart: unknown, counters: UserCounters): void {
    if (!m.loggedIn || slot.generation !== m.generation) return;
    if (slot.checkoutBusy || slot.checkoutEpoch !== m.checkoutEpoch) return; // a checkout overlapped
    if (!Array.isArray(cart)) {
      counters.malformedAnswers++;
      return;
    }
    counters.cartChecks++;
    const present = new Set<string>();
    for (const item of cart) {
      const sku = (item as { sku?: unknown } | null)?.sku;
      if (typeof sku === 'string') present.add(sku);
    }
    let kept = 0;
    for (let i = 0; i < m.items.length; i++) {
      const sku = m.items[i]!;
      const seq = m.seqs[i]!;
      if (seq <= slot.confirmedSeq && !present.has(sku)) {
        counters.cartItemsLost++; // counted once: it leaves the model
        continue;
      }
      m.items[kept] = sku;
      m.seqs[kept] = seq;
      kept++;
    }
    m.items.length = kept;
    m.seqs.length = kept;
  }

  #remember(m: Model, key: string, orderId: string): void {
    m.orders.delete(key);
    m.orders.set(key, orderId);
    if (m.orders.size > KEPT_ORDERS) m.orders.delete(m.orders.keys().next().value!);
    m.lastKey = key;
  }

  /** Items an order took leave the model; those not confirmed yet are remembered as ordered. */
  #removeOrdered(m: Model, items: unknown): void {
    if (!Array.isArray(items)) return;
    for (const item of items) {
      const sku = (item as { sku?: unknown } | null)?.sku;
      if (typeof sku !== 'string') continue;
      const i = m.items.indexOf(sku);
      if (i === -1) {
        if (m.ordered.size < 1000) m.ordered.add(sku);
      } else {
        m.items.splice(i, 1);
        m.seqs.splice(i, 1);
      }
    }
  }
}

/** Clears what the previous request left in a reused slot and names the new one. */
function start(slot: RequestSlot, user: number, action: Action, anonymous: boolean): void {
  slot.user = user;
  slot.action = action;
  slot.anonymous = anonymous;
  slot.sku = null;
  slot.key = null;
  slot.expectedOrder = null;
  slot.body = null;
  slot.needsBody = false;
  slot.headers.length = 0;
}

type Answer = { user?: unknown; cart?: unknown; items?: unknown; orderId?: unknown };

/** Parses a JSON object body; counts and returns undefined when it is not one. */
function readJson(body: Buffer | null, counters: UserCounters): Answer | undefined {
  if (body === null) {
    counters.malformedAnswers++;
    return undefined;
  }
  try {
    const v: unknown = JSON.parse(body.toString('utf8'));
    if (v !== null && typeof v === 'object' && !Array.isArray(v)) return v as Answer;
  } catch {}
  counters.malformedAnswers++;
  return undefined;
}

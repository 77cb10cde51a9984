/**
 * What a shared HTTP cache (a CDN, a caching proxy) may do with each GET answer of a run, judged
 * by http-cache-semantics as a shared cache (RFC 9111): may it store the answer, and may a stored
 * copy serve another user without asking the origin? The second needs more than `storable()`:
 * a copy that sets a cookie would hand one visitor's credential to the next, one that varies on
 * `Cookie` or `Authorization` is keyed per user, and one with no freshness lifetime goes back to
 * the origin on every use.
 *
 * Requests are split by what the cache sees of them: `anonymous` when they carry no credential
 * (no `Cookie`, no `Authorization`), `authenticated` otherwise. A verdict depends only on the
 * status, the method, whether a credential was sent and a handful of response headers, so it
 * is computed once per distinct shape and looked up afterwards: the generator's answer path
 * pays a short string key and a map lookup per GET.
 */
import CachePolicy from 'http-cache-semantics';

/** Counts of one kind of request. */
export interface CacheCounts {
  /** GET answers judged. */
  responses: number;
  /** Answers a shared cache may store (`storable()`). */
  storable: number;
  /** Answers a shared cache may store and serve, fresh, to another user. */
  shareable: number;
}

/** What a run's GET answers allow a shared cache to do. */
export interface Cacheability {
  anonymous: CacheCounts;
  authenticated: CacheCounts;
}

/** The verdict on one shape of answer. */
interface Verdict {
  storable: boolean;
  shareable: boolean;
}

/** The headers the verdict reads (lower case), in the order of the key. */
const READ = ['cache-control', 'expires', 'pragma', 'vary', 'last-modified', 'age'] as const;
const NAMES = READ.map((n) => Buffer.from(n));
const SET_COOKIE = Buffer.from('set-cookie');
/** A stored copy that varies on these is kept per user, never shared. */
const PER_USER = /(?:^|,)\s*(?:\*|cookie|authorization)\s*(?:,|$)/i;
/** Shapes kept before the table starts over: routes × header sets stay far below it. */
const MAX_SHAPES = 1024;

function isName(name: Buffer, lower: Buffer): boolean {
  if (name.length !== lower.length) return false;
  for (let i = 0; i < name.length; i++) if ((name[i]! | 0x20) !== lower[i]) return false;
  return true;
}

/** Bits of `judge`'s `credential`: which credential headers the request carried. */
export const CREDENTIAL_COOKIE = 1;
export const CREDENTIAL_AUTHORIZATION = 2;

export const emptyCacheCounts = (): CacheCounts => ({ responses: 0, storable: 0, shareable: 0 });

/**
 * Judges GET answers as they arrive and counts the verdicts.
 *
 * @example
 * const judge = new CacheJudge();
 * judge.judge('/products', 200, false, rawHeaders); // in undici's onHeaders
 * judge.result(); // { anonymous: { responses: 1, storable: 1, shareable: 1 }, authenticated: … }
 */
export class CacheJudge {
  readonly #shapes = new Map<string, Verdict>();
  readonly #counts: Cacheability = { anonymous: emptyCacheCounts(), authenticated: emptyCacheCounts() };
  readonly #values: (string | undefined)[] = new Array(READ.length);

  /**
   * Judges one GET answer: its path, status, the credential headers sent (`CREDENTIAL_COOKIE`
   * and/or `CREDENTIAL_AUTHORIZATION`, 0 for none) and its raw headers.
   */
  judge(path: string, status: number, credential: number, raw: readonly Buffer[]): void {
    const values = this.#values;
    values.fill(undefined);
    let setCookie = false;
    for (let i = 0; i + 1 < raw.length; i += 2) {
      const name = raw[i]!;
      if (name.length === 10 && isName(name, SET_COOKIE)) {
        setCookie = true;
        continue;
      }
      for (let k = 0; k < NAMES.length; k++) {
        if (isName(name, NAMES[k]!)) {
          const v = raw[i + 1]!.toString('latin1');
          values[k] = values[k] === undefined ? v : `${values[k]}, ${v}`;
          break;
        }
      }
    }
    const q = path.indexOf('?');
    const route = q === -1 ? path : path.slice(0, q);
    const key = `${status} ${credential}${setCookie ? 1 : 0} ${route}\n${values.join('\n')}`;
    let v = this.#shapes.get(key);
    if (v === undefined) {
      v = verdict(route, status, credential, setCookie, values);
      if (this.#shapes.size >= MAX_SHAPES) this.#shapes.clear();
      this.#shapes.set(key, v);
    }
    const c = credential !== 0 ? this.#counts.authenticated : this.#counts.anonymous;
    c.responses++;
    if (v.storable) c.storable++;
    if (v.shareable) c.shareable++;
  }

  /** The counts so far (a copy). */
  result(): Cacheability {
    return { anonymous: { ...this.#counts.anonymous }, authenticated: { ...this.#counts.authenticated } };
  }
}

function verdict(
  route: string,
  status: number,
  credential: number,
  setCookie: boolean,
  values: readonly (string | undefined)[],
): Verdict {
  const resHeaders: Record<string, string> = {};
  READ.forEach((name, k) => {
    if (values[k] !== undefined) resHeaders[name] = values[k]!;
  });
  if (setCookie) resHeaders['set-cookie'] = 'present';
  const reqHeaders: Record<string, string> = { host: 'lab' };
  // Only the headers' presence matters to a shared cache's verdict, not the credential itself.
  if (credential & CREDENTIAL_COOKIE) reqHeaders.cookie = 'present';
  if (credential & CREDENTIAL_AUTHORIZATION) reqHeaders.authorization = 'present';
  const policy = new CachePolicy(
    { method: 'GET', url: route, headers: reqHeaders },
    { status, headers: resHeaders },
    { shared: true },
  );
  const storable = policy.storable();
  const vary = resHeaders.vary ?? '';
  const shareable = storable && !setCookie && !PER_USER.test(vary) && policy.timeToLive() > 0;
  return { storable, shareable };
}

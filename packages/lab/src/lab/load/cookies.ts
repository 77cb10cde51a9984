/**
 * A virtual user's cookie jar, as a browser keeps one for one site: the last value set for each
 * name wins, a cookie cleared by the server (empty value, `Max-Age` ≤ 0, `Expires` in the past)
 * is removed (RFC 6265 §5.3). Paths and domains are not checked — the lab talks to one origin
 * and the app sets everything on `Path=/`. The `Cookie` header is rebuilt only when the jar
 * changes, since most requests send it unchanged.
 */

export class CookieJar {
  readonly #cookies = new Map<string, string>();
  #header: string | null = null;

  /** The `Cookie` header value, or null when the jar is empty. */
  get header(): string | null {
    if (this.#header === null && this.#cookies.size > 0) {
      let out = '';
      for (const [name, value] of this.#cookies)
        out += out === '' ? `${name}=${value}` : `; ${name}=${value}`;
      this.#header = out;
    }
    return this.#header;
  }

  get(name: string): string | undefined {
    return this.#cookies.get(name);
  }

  get size(): number {
    return this.#cookies.size;
  }

  /** Applies one `Set-Cookie` header line. */
  set(line: string, nowMs: number = Date.now()): void {
    const c = parseSetCookie(line, nowMs);
    if (c === null) return;
    if (c.gone) {
      if (this.#cookies.delete(c.name)) this.#header = null;
    } else if (this.#cookies.get(c.name) !== c.value) {
      this.#cookies.set(c.name, c.value);
      this.#header = null;
    }
  }

  clear(): void {
    this.#cookies.clear();
    this.#header = null;
  }
}

/** One `Set-Cookie` line: the cookie's name and value, and whether it clears the cookie. */
export interface SetCookie {
  name: string;
  value: string;
  gone: boolean;
}

/** Parses a `Set-Cookie` line; null for a nameless cookie (ignored, RFC 6265 §5.2 step 5). */
export function parseSetCookie(line: string, nowMs: number = Date.now()): SetCookie | null {
  const semi = line.indexOf(';');
  const pair = semi === -1 ? line : line.slice(0, semi);
  const eq = pair.indexOf('=');
  if (eq <= 0) return null;
  const name = pair.slice(0, eq).trim();
  if (name === '') return null;
  const value = pair.slice(eq + 1).trim();
  const gone = value === '' || (semi !== -1 && expired(line.slice(semi + 1), nowMs));
  return { name, value, gone };
}

/** Whether the attributes say the cookie is already expired. `Max-Age` wins over `Expires`. */
function expired(attributes: string, nowMs: number): boolean {
  let expires: string | null = null;
  for (const raw of attributes.split(';')) {
    const eq = raw.indexOf('=');
    const key = (eq === -1 ? raw : raw.slice(0, eq)).trim().toLowerCase();
    const val = eq === -1 ? '' : raw.slice(eq + 1).trim();
    if (key === 'max-age') {
      const n = Number(val);
      if (/^-?\d+$/.test(val)) return n <= 0;
    } else if (key === 'expires') {
      expires = val;
    }
  }
  if (expires !== null) {
    const at = Date.parse(expires);
    return Number.isFinite(at) && at <= nowMs;
  }
  return false;
}

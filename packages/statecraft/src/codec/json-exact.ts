/**
 * Whether JSON round-trips a value exactly: `JSON.parse(JSON.stringify(v))` is deep-equal to it
 * with the same types, and so is what devalue would have given back. Anything else (Date, Map,
 * undefined, NaN, -0, a class instance, a null-prototype object, a sparse array, symbol keys, a
 * value reached twice, which devalue keeps as one shared reference) is left to devalue.
 */

// Deeper data goes to devalue, which also handles cycles; this walk never overflows the stack.
const MAX_DEPTH = 64;

/** True when `data` is plain JSON data that JSON keeps exactly. */
export function jsonExact(data: Record<string, unknown>): boolean {
  return new Walk(data).exact(data, 0);
}

class Walk {
  /** Objects met so far; made at the second one, as most session data holds one or two. */
  #seen: Set<object> | null = null;

  constructor(private readonly root: object) {}

  exact(v: unknown, depth: number): boolean {
    switch (typeof v) {
      case 'string':
      case 'boolean':
        return true;
      case 'number':
        return Number.isFinite(v) && !Object.is(v, -0);
      case 'object':
        return v === null || (depth < MAX_DEPTH && this.#container(v, depth));
      default:
        return false;
    }
  }

  #container(v: object, depth: number): boolean {
    if (depth > 0) {
      // A value reached twice: devalue keeps one shared object, JSON would make two.
      this.#seen ??= new Set([this.root]);
      if (this.#seen.has(v)) return false;
      this.#seen.add(v);
    }
    const proto = Object.getPrototypeOf(v);
    if (proto === Array.prototype) {
      const a = v as unknown[];
      for (let i = 0; i < a.length; i++) {
        if (!(i in a) || !this.exact(a[i], depth + 1)) return false;
      }
      return true;
    }
    if (proto !== Object.prototype || Object.getOwnPropertySymbols(v).length > 0) return false;
    for (const k in v) {
      if (!this.exact((v as Record<string, unknown>)[k], depth + 1)) return false;
    }
    return true;
  }
}

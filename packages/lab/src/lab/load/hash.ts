/**
 * Canonical JSON and its SHA-256: two plans that mean the same thing hash the same, whatever
 * the order in which their keys were written. Used for the schedule hash and for anything else
 * a run must be able to prove it replayed (the fault plan, the lab config).
 */
import { createHash, type Hash } from 'node:crypto';

/**
 * JSON with object keys sorted (by UTF-16 code units), no whitespace, `undefined` members left
 * out as `JSON.stringify` does, and `toJSON()` honoured. Throws on values JSON cannot carry
 * faithfully (non-finite numbers, bigints, functions, symbols, cycles) rather than hashing a
 * lossy stand-in.
 */
export function canonicalJson(value: unknown): string {
  return write(value, new Set());
}

function write(value: unknown, seen: Set<object>): string {
  if (value === null) return 'null';
  if (typeof value === 'object' && typeof (value as { toJSON?: unknown }).toJSON === 'function') {
    return write((value as { toJSON: () => unknown }).toJSON(), seen);
  }
  switch (typeof value) {
    case 'string':
    case 'boolean':
      return JSON.stringify(value);
    case 'number':
      if (!Number.isFinite(value)) throw new TypeError(`cannot hash a non-finite number (${value})`);
      return JSON.stringify(value);
    case 'object': {
      const obj = value as object;
      if (seen.has(obj)) throw new TypeError('cannot hash a cyclic value');
      seen.add(obj);
      let out: string;
      if (Array.isArray(obj)) {
        out = `[${obj.map((v) => (v === undefined || typeof v === 'function' ? 'null' : write(v, seen))).join(',')}]`;
      } else {
        const record = obj as Record<string, unknown>;
        const parts: string[] = [];
        for (const key of Object.keys(record).sort()) {
          const v = record[key];
          if (v === undefined || typeof v === 'function' || typeof v === 'symbol') continue;
          parts.push(`${JSON.stringify(key)}:${write(v, seen)}`);
        }
        out = `{${parts.join(',')}}`;
      }
      seen.delete(obj);
      return out;
    }
    default:
      throw new TypeError(`cannot hash a value of type ${typeof value}`);
  }
}

/**
 * SHA-256 (hex) of the canonical JSON of any JSON-able value.
 * @example
 * hashJson({ b: 1, a: [1, 2] }) === hashJson({ a: [1, 2], b: 1 }); // true
 */
export function hashJson(value: unknown): string {
  return createHash('sha256').update(canonicalJson(value)).digest('hex');
}

/** Feeds the canonical JSON of `value` into a running hash, followed by a newline. */
export function updateJson(hash: Hash, value: unknown): void {
  hash.update(canonicalJson(value));
  hash.update('\n');
}

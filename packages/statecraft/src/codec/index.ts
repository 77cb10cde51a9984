/**
 * Session data codec. The default keeps Date, BigInt, Map, Set, undefined-vs-missing, NaN and
 * -0 through a round trip (devalue, the serializer SvelteKit ships), so what a handler stored
 * is what it reads back, in every store and inside tokens.
 *
 * Most session data is plain JSON already (strings, finite numbers, booleans, null, arrays and
 * plain objects, no shared references). Such data is written as JSON, which V8 encodes and
 * parses natively, several times faster than devalue's walk, and a little smaller; the two forms
 * cannot be confused (a JSON object starts with `{`, devalue's flat form is an array), so data
 * written by either reads back with its exact types.
 */
import { parse, stringify, unflatten } from 'devalue';
import { jsonExact } from './json-exact.js';

export interface Codec {
  /** Schema version written beside encoded data; bump it when the shape of data changes. */
  readonly schema: number;
  encode(data: Record<string, unknown>): string;
  /** Throws on malformed input; the manager then treats the session as absent. */
  decode(text: string): Record<string, unknown>;
  /**
   * The same encoding as a JSON value, to embed in a token's claims without escaping a string
   * inside a string. Optional; strategies fall back to `encode`/`decode` strings.
   */
  encodeValue?(data: Record<string, unknown>): unknown;
  decodeValue?(value: unknown): Record<string, unknown>;
}

function asObject(value: unknown): Record<string, unknown> {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    throw new TypeError('session data is not an object');
  }
  return value as Record<string, unknown>;
}

/** @default schema 1: JSON for plain JSON data, devalue for the rest. */
export const defaultCodec: Codec = {
  schema: 1,
  encode: (data) => (jsonExact(data) ? JSON.stringify(data) : stringify(data)),
  // `{`: JSON of a plain object; anything else is devalue's (an array, or a special number).
  decode: (text) => asObject(text.charCodeAt(0) === 0x7b ? JSON.parse(text) : parse(text)),
  // Plain data is embedded as is: the token's own JSON carries it, and parsing the claims
  // already rebuilt it.
  encodeValue: (data) => (jsonExact(data) ? data : JSON.parse(stringify(data))),
  decodeValue(value) {
    // devalue's flat form is an array (or a negative number for special top-level values).
    if (Array.isArray(value)) return asObject(unflatten(value));
    if (typeof value !== 'object' || value === null) {
      throw new TypeError('session data is not in devalue form');
    }
    return value as Record<string, unknown>;
  },
};

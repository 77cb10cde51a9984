/**
 * Session data codec. The default keeps Date, BigInt, Map, Set, undefined-vs-missing, NaN and
 * -0 through a round trip (devalue, the serializer SvelteKit ships), so what a handler stored
 * is what it reads back, in every store and inside tokens.
 */
import { parse, stringify, unflatten } from 'devalue';

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

/** @default schema 1, devalue encoding. */
export const defaultCodec: Codec = {
  schema: 1,
  encode: (data) => stringify(data),
  decode: (text) => asObject(parse(text)),
  encodeValue: (data) => JSON.parse(stringify(data)),
  decodeValue(value) {
    // devalue's flat form is an array (or a negative number for special top-level values).
    if (!Array.isArray(value)) throw new TypeError('session data is not in devalue form');
    return asObject(unflatten(value));
  },
};

/**
 * Decoding a header or claims segment into a JSON object, strictly.
 */
import { isUtf8 } from 'node:buffer';
import { SessionError } from '../session/errors.js';

/**
 * Decodes a segment whose base64url form {@link segments} has already checked, and parses it as
 * a JSON object (see {@link parseJsonObject}).
 */
export function decodeJsonObject(segment: string): Record<string, unknown> {
  return parseJsonObject(Buffer.from(segment, 'base64url'));
}

/**
 * Parses bytes as a JSON object. Refuses:
 * - bytes that are not UTF-8 (RFC 8725 §3.7; RFC 8259 §8.1), rather than replacing them;
 * - text that is not JSON, or JSON that is not an object (RFC 7519 §7.2 steps 4 and 10).
 * Duplicate member names keep the last one, as RFC 7515 §4 and RFC 7519 §4 allow.
 */
export function parseJsonObject(bytes: Buffer): Record<string, unknown> {
  return parseJsonText(utf8Text(bytes));
}

/** The bytes as text, refused unless they are UTF-8. */
export function utf8Text(bytes: Buffer): string {
  if (!isUtf8(bytes)) throw new SessionError('TOKEN_MALFORMED', 'Segment is not UTF-8');
  return bytes.toString('utf8');
}

/** Text from {@link utf8Text} parsed as a JSON object; refusals as for {@link parseJsonObject}. */
export function parseJsonText(text: string): Record<string, unknown> {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    throw new SessionError('TOKEN_MALFORMED', 'Segment is not JSON');
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new SessionError('TOKEN_MALFORMED', 'Segment is not a JSON object');
  }
  return value as Record<string, unknown>;
}

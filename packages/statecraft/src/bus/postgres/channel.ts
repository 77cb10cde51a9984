/**
 * Bus channel names → PostgreSQL channel identifiers.
 *
 * A NOTIFY channel is an identifier: at most 63 bytes (NAMEDATALEN - 1), and LISTEN folds an
 * unquoted one to lower case. Any bus channel name maps to `<prefix><slug>_<hash>`: the slug
 * (lower case, `[a-z0-9_]` only, cut to fit) keeps it readable in `pg_stat_activity` and psql,
 * and 64 bits of SHA-256 of the exact name keep distinct names apart. The result needs no
 * quoting, is the same in every process, and fits in 63 bytes whatever the name.
 */

import { createHash } from 'node:crypto';
import { SessionError } from '../../session/errors.js';

/** PostgreSQL's identifier limit in bytes (NAMEDATALEN - 1). */
export const MAX_IDENTIFIER_BYTES = 63;
const HASH_CHARS = 16;
const PREFIX = /^[a-z_][a-z0-9_]{0,29}$/;

/** Throws `INVALID_CONFIG` unless `prefix` is a lower-case identifier start of at most 30 bytes. */
export function checkPrefix(prefix: string): void {
  if (!PREFIX.test(prefix)) {
    throw new SessionError(
      'INVALID_CONFIG',
      `postgres bus prefix must match ${PREFIX} (it starts a channel identifier), got ${JSON.stringify(prefix)}`,
    );
  }
}

/**
 * @example
 * identifier('sc_', 'revoked') // 'sc_revoked_8a1f…' (16 hex digits)
 */
export function identifier(prefix: string, channel: string): string {
  const hash = createHash('sha256').update(channel, 'utf8').digest('hex').slice(0, HASH_CHARS);
  const room = MAX_IDENTIFIER_BYTES - prefix.length - 1 - HASH_CHARS;
  const slug = channel
    .toLowerCase()
    .replace(/[^a-z0-9_]+/g, '_')
    .slice(0, room);
  return `${prefix}${slug}_${hash}`;
}

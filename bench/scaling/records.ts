/** Session records as the manager writes them at login, for filling stores directly. */
import { randomBytes } from 'node:crypto';
import { defaultCodec, type SessionRecord, storeKey } from 'statecraft';

const UA = 'Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0';

/** Session data of user `i`: a typical small session. */
export function sessionData(i: number) {
  return {
    user: `user_${i.toString().padStart(8, '0')}`,
    role: 'member',
    org: 'org_7c41',
    theme: 'dark',
    locale: 'en-GB',
    cart: ['sku-1', 'sku-2'],
    visits: i % 100,
  };
}

/** Its own copy of a string, as a server parsing each request gets. */
const copy = (s: string) => Buffer.from(s).toString();

/** The record of user `i`'s fresh session, logged in at `now`. */
export function loginRecord(i: number, now: number): SessionRecord {
  const d = sessionData(i);
  return {
    key: storeKey(randomBytes(32).toString('base64url')),
    userId: d.user,
    data: defaultCodec.encode(d),
    version: 1,
    schema: defaultCodec.schema,
    createdAt: now,
    lastSeenAt: now,
    expiresAt: now + 1_800_000,
    absoluteExpiresAt: now + 43_200_000,
    ip: copy('203.0.113.7'),
    userAgent: copy(UA),
  };
}

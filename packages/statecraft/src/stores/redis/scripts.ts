/**
 * The Lua scripts behind the Redis store. Each one touches a single key, so it runs unchanged on
 * Redis Cluster, and each one is atomic, which is what makes compare-and-set, touch and delete
 * race-free across processes. ioredis's `defineCommand` sends them with EVALSHA and falls back
 * to EVAL when a server answers NOSCRIPT (after a restart or a failover).
 *
 * Expiry is judged by the caller's clock (`now` is always an argument, never Redis's TIME), so a
 * store driven by a manual clock behaves like every other store. Times are integer milliseconds.
 */

/** Session hash fields. Short names: they are stored once per session. */
export const F = {
  version: 'v',
  userId: 'u',
  data: 'd',
  schema: 'sv',
  createdAt: 'c',
  lastSeenAt: 'l',
  expiresAt: 'e',
  absoluteExpiresAt: 'a',
  ip: 'ip',
  userAgent: 'ua',
} as const;

/** The compare-and-set body; the new fields start at ARGV[fieldsFrom], `written` runs after the write. */
const cas = (fieldsFrom: number, written = '') => `
local cur = redis.call('HMGET', KEYS[1], '${F.version}', '${F.expiresAt}', '${F.userId}', '${F.ip}', '${F.userAgent}')
local expires = tonumber(cur[2])
local version = 0
if cur[1] and expires and expires > tonumber(ARGV[2]) then version = tonumber(cur[1]) end
if version ~= tonumber(ARGV[1]) then return {0} end
-- Written over the old hash (cheaper than DEL and a new one): a field that is null in the new
-- record must not survive from the old one, so the optional fields it lacks are removed.
local stale = {}
if cur[3] then stale['${F.userId}'] = true end
if cur[4] then stale['${F.ip}'] = true end
if cur[5] then stale['${F.userAgent}'] = true end
for i = ${fieldsFrom}, #ARGV, 2 do stale[ARGV[i]] = nil end
for name in pairs(stale) do redis.call('HDEL', KEYS[1], name) end
redis.call('HSET', KEYS[1], unpack(ARGV, ${fieldsFrom}))
redis.call('PEXPIRE', KEYS[1], ARGV[3])
${written}
if cur[3] then return {1, cur[3]} end
return {1}
`;

/**
 * Compare-and-set on one session hash.
 * KEYS[1] session; ARGV[1] expected version (0: no live record), ARGV[2] now, ARGV[3] TTL in ms,
 * ARGV[4..] the new record as field/value pairs.
 * Returns {0} on conflict, {1} when written, {1, previousUserId} when the replaced record (live
 * or not) belonged to a user, so the caller can take it out of that user's index.
 */
export const CAS = cas(4);

/**
 * Slides expiry of a live record without changing its version.
 * KEYS[1] session; ARGV[1] now, ARGV[2] TTL in ms, ARGV[3] lastSeenAt, ARGV[4] expiresAt,
 * ARGV[5] the owner the caller indexed: '' for anonymous, '=' .. userId for a user.
 * Returns 1 when touched, 0 when absent or expired, -1 when the owner changed meanwhile.
 */
export const TOUCH = touch();

/** The touch body; `owned` runs once the owner is known to be the one the caller named. */
function touch(owned = ''): string {
  return `
local cur = redis.call('HMGET', KEYS[1], '${F.expiresAt}', '${F.userId}')
local expires = tonumber(cur[1])
if not expires or expires <= tonumber(ARGV[1]) then return 0 end
local owner = ''
if cur[2] then owner = '=' .. cur[2] end
if owner ~= ARGV[5] then return -1 end
${owned}
redis.call('HSET', KEYS[1], '${F.lastSeenAt}', ARGV[3], '${F.expiresAt}', ARGV[4])
redis.call('PEXPIRE', KEYS[1], ARGV[2])
return 1
`;
}

/**
 * Deletes one session hash, optionally only if it belongs to a given user.
 * KEYS[1] session; ARGV[1] now, ARGV[2] '' for any owner, or '=' .. userId.
 * Returns {0} when absent, {-1} when owned by someone else (left alone), {1, userId?} when a live
 * record was deleted, {2, userId?} when an expired one was.
 */
export const DELETE = `
local cur = redis.call('HMGET', KEYS[1], '${F.expiresAt}', '${F.userId}')
local expires = tonumber(cur[1])
if not expires then return {0} end
if ARGV[2] ~= '' and (not cur[2] or '=' .. cur[2] ~= ARGV[2]) then return {-1} end
redis.call('DEL', KEYS[1])
local status = 2
if expires > tonumber(ARGV[1]) then status = 1 end
if cur[2] then return {status, cur[2]} end
return {status}
`;

// Shared by the index scripts: drop members whose score (their record's expiresAt, or later)
// has passed, then let the whole index expire with its newest member, so the index of a user
// who stopped coming back disappears by itself. Done in the same script as the ZADD so that a
// concurrent writer can never shorten the TTL below a member it just added.
const pruneAndExpire = (index: string, now: string) => `
do
  local now = tonumber(${now})
  redis.call('ZREMRANGEBYSCORE', ${index}, '-inf', ${now})
  local top = redis.call('ZRANGE', ${index}, -1, -1, 'WITHSCORES')
  if top[2] then
    redis.call('PEXPIRE', ${index}, string.format('%.0f', math.max(1, math.ceil(tonumber(top[2]) - now))))
  end
end
`;

// The score only ever grows (ZADD GT, spelled out so Redis < 6.2 works too): a writer that lost
// its compare-and-set must not lower the score below the expiry the winner stored. A new member
// prunes the index and sets its TTL from its newest member; a member already there whose score
// grows only makes sure the TTL covers its new score (PTTL, then PEXPIRE if short): that is
// every write and touch of a logged-in session, and the index was pruned when the member came.
const indexAdd = (index: string, now: string, score: string, member: string) => `
do
  local old = tonumber(redis.call('ZSCORE', ${index}, ${member}))
  if not old then
    redis.call('ZADD', ${index}, ${score}, ${member})
    ${pruneAndExpire(index, now)}
  elseif old < tonumber(${score}) then
    redis.call('ZADD', ${index}, ${score}, ${member})
    local ttl = math.max(1, math.ceil(tonumber(${score}) - tonumber(${now})))
    if redis.call('PTTL', ${index}) < ttl then
      redis.call('PEXPIRE', ${index}, string.format('%.0f', ttl))
    end
  end
end
`;

/**
 * Adds a session to a user's index, scored by its expiresAt.
 * KEYS[1] user index; ARGV[1] now, ARGV[2] score, ARGV[3] session key.
 */
export const INDEX_ADD = `
${indexAdd('KEYS[1]', 'ARGV[1]', 'ARGV[2]', 'ARGV[3]')}
return 1
`;

/**
 * Prunes a user's index and returns its members (session keys).
 * KEYS[1] user index; ARGV[1] now.
 */
export const INDEX_READ = `
${pruneAndExpire('KEYS[1]', 'ARGV[1]')}
return redis.call('ZRANGE', KEYS[1], 0, -1)
`;

// On one server (or a Sentinel-managed primary) a script may touch a session and its user's
// index together: one round trip instead of two, and the two can no longer disagree. A Cluster
// keeps them in different slots and uses the single-key scripts above, in fail-safe order.

/**
 * CAS, then (when written) INDEX_ADD, atomically.
 * KEYS[1] session, KEYS[2] user index; ARGV[1] expected version, ARGV[2] now, ARGV[3] TTL in ms,
 * ARGV[4] index score (expiresAt), ARGV[5] session key, ARGV[6..] the new record's fields.
 */
export const CAS_INDEXED = cas(6, indexAdd('KEYS[2]', 'ARGV[2]', 'ARGV[4]', 'ARGV[5]'));

/**
 * TOUCH, extending the owner's index entry in the same step.
 * KEYS[1] session, KEYS[2] the index of the owner named in ARGV[5]; ARGV as TOUCH, and ARGV[6]
 * the session key.
 */
export const TOUCH_INDEXED = touch(indexAdd('KEYS[2]', 'ARGV[1]', 'ARGV[4]', 'ARGV[6]'));

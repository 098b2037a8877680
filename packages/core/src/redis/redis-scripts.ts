/**
 * The Lua scripts behind `RedisBackend`. Each operation is one script, so it is atomic on the
 * server and one round trip, the way the meta commands are on memcached.
 *
 * Storage model: every item is a hash `{ v: value, c: CAS token, w?: win handed out, s?: stale }`
 * with the item's TTL on the key. Redis has no CAS tokens, so the token lives beside the value
 * and every write (including increments) replaces it with a fresh one from the client.
 */

/** KEYS: key → `[value, cas, pttl]` or nil. */
export const GET_SCRIPT = `
if redis.call('EXISTS', KEYS[1]) == 0 then return false end
local h = redis.call('HMGET', KEYS[1], 'v', 'c')
return {h[1], h[2], redis.call('PTTL', KEYS[1])}
`;

/**
 * KEYS: key; ARGV: value, ttl ms (0 = none, negative = expired at once), new token, mode ('set' | 'add'), expected token ('' = none).
 * → 'stored' | 'not_stored' | 'not_found' | 'exists'. A write clears the stale and win marks.
 */
export const SET_SCRIPT = `
local key = KEYS[1]
if ARGV[4] == 'add' then
  if redis.call('EXISTS', key) == 1 then return 'not_stored' end
elseif ARGV[5] ~= '' then
  if redis.call('EXISTS', key) == 0 then return 'not_found' end
  if redis.call('HGET', key, 'c') ~= ARGV[5] then return 'exists' end
end
redis.call('DEL', key)
redis.call('HSET', key, 'v', ARGV[1], 'c', ARGV[3])
local ms = tonumber(ARGV[2])
if ms > 0 then redis.call('PEXPIRE', key, ms) elseif ms < 0 then redis.call('DEL', key) end
return 'stored'
`;

/** KEYS: key; ARGV: ttl ms (0 = never expires, negative = expire now) → 1 when the key existed, else 0. */
export const TOUCH_SCRIPT = `
if redis.call('EXISTS', KEYS[1]) == 0 then return 0 end
local ms = tonumber(ARGV[1])
if ms > 0 then redis.call('PEXPIRE', KEYS[1], ms)
elseif ms < 0 then redis.call('DEL', KEYS[1])
else redis.call('PERSIST', KEYS[1]) end
return 1
`;

/**
 * KEYS: key; ARGV: delta, initial ('' = no create), ttl ms of a created counter, new token.
 * → `[value, pttl]`, or nil for a miss without initial. HINCRBY and PEXPIRE in one script is
 * what makes "create with TTL, else add" atomic (INCR then PEXPIRE would race a second INCR).
 */
export const INCREMENT_SCRIPT = `
local key = KEYS[1]
if redis.call('EXISTS', key) == 0 then
  if ARGV[2] == '' then return false end
  redis.call('HSET', key, 'v', ARGV[2], 'c', ARGV[4])
  local ms = tonumber(ARGV[3])
  if ms > 0 then redis.call('PEXPIRE', key, ms) end
  if ms < 0 then
    redis.call('DEL', key)
    return {tonumber(ARGV[2]), 0}
  end
  return {tonumber(ARGV[2]), redis.call('PTTL', key)}
end
local n = redis.call('HINCRBY', key, 'v', ARGV[1])
redis.call('HSET', key, 'c', ARGV[4])
return {n, redis.call('PTTL', key)}
`;

/** KEYS: key; ARGV: delta, new token → the new value (not below zero), or nil when missing. */
export const DECREMENT_SCRIPT = `
if redis.call('EXISTS', KEYS[1]) == 0 then return false end
local v = redis.call('HGET', KEYS[1], 'v')
local d = math.min(tonumber(v), tonumber(ARGV[1]))
local n = redis.call('HINCRBY', KEYS[1], 'v', 0 - d)
redis.call('HSET', KEYS[1], 'c', ARGV[2])
return n
`;

/**
 * KEYS: key; ARGV: lock ttl ms ('' = none), recache-below ms ('' = none), new token.
 * → `[value, pttl, won, alreadyWon, stale]` or nil. memcached's `mg N R`: a miss with a lock TTL
 * creates an empty placeholder and hands the win to this caller; a stale item or one under
 * the recache threshold hands it to the first caller only (the `w` mark), later ones see it taken.
 */
export const FETCH_FOR_RECACHE_SCRIPT = `
local key = KEYS[1]
if redis.call('EXISTS', key) == 0 then
  if ARGV[1] == '' then return false end
  redis.call('DEL', key)
  redis.call('HSET', key, 'v', '', 'c', ARGV[3], 'w', '1')
  redis.call('PEXPIRE', key, tonumber(ARGV[1]))
  return {'', redis.call('PTTL', key), 1, 0, 0}
end
local v = redis.call('HGET', key, 'v')
local ttl = redis.call('PTTL', key)
local stale = redis.call('HEXISTS', key, 's')
if redis.call('HEXISTS', key, 'w') == 1 then return {v, ttl, 0, 1, stale} end
local won = 0
if stale == 1 or (ARGV[2] ~= '' and ttl >= 0 and ttl < tonumber(ARGV[2])) then
  redis.call('HSET', key, 'w', '1')
  won = 1
end
return {v, ttl, won, 0, stale}
`;

/** KEYS: key → 1 after marking an existing item stale (and its win as not handed out), else 0. */
export const MARK_STALE_SCRIPT = `
if redis.call('EXISTS', KEYS[1]) == 0 then return 0 end
redis.call('HSET', KEYS[1], 's', '1')
redis.call('HDEL', KEYS[1], 'w')
return 1
`;

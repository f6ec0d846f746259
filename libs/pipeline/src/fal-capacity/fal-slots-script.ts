/**
 * The slots at fal and the fair queue in front of them, as one Lua script so every change is
 * atomic across all api and worker processes (Redis runs a script alone).
 *
 * Keys (all under `<QUEUE_PREFIX>:fal-slots`):
 *   leases    ZSET infograph id → lease expiry (ms). A slot is a lease, not a counter: a process
 *             that dies holding one leaves an entry that expires, and the next call drops it.
 *   owner     HASH infograph id → user id, for every id waiting or holding a lease
 *   inflight  HASH user id → leases held (kept in step with `leases`)
 *   users     ZSET user id → the turn they were last served (0 when never): users with waiting work
 *   seq       STRING the turn counter
 *   turns     HASH user id → their last turn, while they hold a lease or wait (so a user whose
 *             queue ran empty and refills does not jump the round robin)
 *   queue:<user>  ZSET infograph id → class × 1e13 + created-at ms (interactive class 0 first)
 *
 * The pick, each time a slot is free: among users with waiting work (and under the per-user cap),
 * the one whose next infograph is interactive, then with the fewest leases held, then served
 * longest ago (round robin); that user's next infograph gets the lease. So a user with one image
 * gets the next free slot whatever another user's backlog, and a user with many cannot hold every
 * slot while anyone else waits.
 *
 * ARGV: 1 queue key prefix, 2 now (ms), 3 lease ms, 4 max in flight, 5 per-user cap (0: none),
 *       6 op (admit | release | pump | renew | position), 7 infograph id, 8 user id, 9 queue score.
 * Returns { mine (1 if this id holds a lease now), granted ids... } — the caller wakes the
 * granted ones (their submit jobs); `position` returns { ahead in our queue, leases held }.
 */
export const FAL_SLOTS_SCRIPT = `
local leases, owner, inflight, users, seq, turns = KEYS[1], KEYS[2], KEYS[3], KEYS[4], KEYS[5], KEYS[6]
local qprefix = ARGV[1]
local now = tonumber(ARGV[2])
local leaseMs = tonumber(ARGV[3])
local max = tonumber(ARGV[4])
local cap = tonumber(ARGV[5])
local op, id, user, score = ARGV[6], ARGV[7], ARGV[8], ARGV[9]

local function dropLease(lid)
  if redis.call('zrem', leases, lid) == 1 then
    local u = redis.call('hget', owner, lid)
    if u then
      if redis.call('hincrby', inflight, u, -1) <= 0 then
        redis.call('hdel', inflight, u)
        if not redis.call('zscore', users, u) then redis.call('hdel', turns, u) end
      end
    end
  end
end

local function forget(lid)
  dropLease(lid)
  local u = redis.call('hget', owner, lid)
  if u then
    redis.call('zrem', qprefix .. u, lid)
    if redis.call('zcard', qprefix .. u) == 0 then
      redis.call('zrem', users, u)
      if not redis.call('hget', inflight, u) then redis.call('hdel', turns, u) end
    end
    redis.call('hdel', owner, lid)
  end
end

local function expire()
  for _, lid in ipairs(redis.call('zrangebyscore', leases, '-inf', now)) do
    dropLease(lid)
    -- Still waiting for its submit, or lost at fal: it asks again on its next try.
    redis.call('hdel', owner, lid)
  end
end

local function pick()
  local granted = {}
  while redis.call('zcard', leases) < max do
    local list = redis.call('zrange', users, 0, -1, 'WITHSCORES')
    local best, bestClass, bestN, bestTurn
    for i = 1, #list, 2 do
      local u, turn = list[i], tonumber(list[i + 1])
      local n = tonumber(redis.call('hget', inflight, u) or '0')
      if cap == 0 or n < cap then
        local head = redis.call('zrange', qprefix .. u, 0, 0, 'WITHSCORES')
        if #head == 0 then
          redis.call('zrem', users, u)
        else
          local class = (tonumber(head[2]) >= 1e13) and 1 or 0
          if best == nil or class < bestClass or (class == bestClass and (n < bestN
              or (n == bestN and turn < bestTurn))) then
            best, bestClass, bestN, bestTurn = u, class, n, turn
          end
        end
      end
    end
    if best == nil then break end
    local lid = redis.call('zpopmin', qprefix .. best)[1]
    redis.call('zadd', leases, now + leaseMs, lid)
    redis.call('hincrby', inflight, best, 1)
    local turn = redis.call('incr', seq)
    redis.call('hset', turns, best, turn)
    if redis.call('zcard', qprefix .. best) == 0 then
      redis.call('zrem', users, best)
    else
      redis.call('zadd', users, turn, best)
    end
    table.insert(granted, lid)
  end
  return granted
end

if op == 'renew' then
  -- Not ZADD's CH count: a renewal in the same millisecond as the grant changes no score.
  if not redis.call('zscore', leases, id) then return 0 end
  redis.call('zadd', leases, 'XX', now + leaseMs, id)
  return 1
end
if op == 'position' then
  if redis.call('zscore', leases, id) then return {0, redis.call('zcard', leases)} end
  local u = redis.call('hget', owner, id)
  local rank = u and redis.call('zrank', qprefix .. u, id)
  if not rank then return {-1, redis.call('zcard', leases)} end
  -- Round robin: roughly, each other waiting user gets one turn per turn of this user's.
  local ahead = rank
  for _, v in ipairs(redis.call('zrange', users, 0, -1)) do
    if v ~= u then ahead = ahead + math.min(redis.call('zcard', qprefix .. v), rank + 1) end
  end
  return {ahead, redis.call('zcard', leases)}
end

expire()
if op == 'release' then
  forget(id)
elseif op == 'admit' then
  if redis.call('zscore', leases, id) then
    redis.call('zadd', leases, now + leaseMs, id)
    return {1}
  end
  redis.call('hset', owner, id, user)
  redis.call('zadd', qprefix .. user, 'NX', score, id)
  redis.call('zadd', users, 'NX', tonumber(redis.call('hget', turns, user) or '0'), user)
end
local granted = pick()
local result = {0}
for _, lid in ipairs(granted) do
  if lid == id and op == 'admit' then result[1] = 1 else table.insert(result, lid) end
end
return result
`;

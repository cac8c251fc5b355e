-- Functions shared by the scripts. Where a script says '--! include lib.lua', the functions it calls,
-- directly or through another, are inlined with the comment lines right above them (a script sent to
-- Redis must be whole; see LuaLibrary): each starts with 'local function' and ends with an 'end' line,
-- both at the start of a line.

-- The server's clock in microseconds: the only clock that orders and times locks.
local function serverNow()
  local time = redis.call('TIME')
  return tonumber(time[1]) * 1000000 + tonumber(time[2])
end

-- The clock that seeds tokens: the server time rounded down to a multiple of step microseconds. Under
-- Redlock the step is coarse, so that masters whose counters agree mint the same token (see
-- LockServers.tokenClockStep); with one server, Sentinel or a Cluster it is 1.
local function tokenClock(now, step)
  return now - now % tonumber(step)
end

-- What a lock key holds: an owner token, false when nothing, or an error reply (a table, equal to
-- no token) when a foreign client put something other than a string there, such as Redisson's
-- hash. pcall: GET would raise WRONGTYPE and fail the whole script, every lease of a renewal batch
-- with it, where only the lease at that key is held by another.
local function lockValue(lock)
  return redis.pcall('GET', lock)
end

-- 1 when the lock key holds a Fencelock owner token (starting with prefix), whose release will be
-- announced, or nothing; 0 when it holds a foreign client's value, whose release nobody announces.
local function announcedHolder(lock, prefix)
  local holder = lockValue(lock)
  if holder == false then
    return 1
  end
  return type(holder) == 'string' and string.sub(holder, 1, #prefix) == prefix and 1 or 0
end

-- Mints the next fencing token of one or more locks taken together, one token for all: max(every
-- counter + 1, clock), where clock is the token clock (see tokenClock), written back to every
-- counter, so that it exceeds each lock's earlier tokens and each lock's later tokens exceed it. The
-- clock keeps tokens increasing even when a counter was lost (expired, or Redis restarted without
-- persistence), as long as the server's clock does not step back and the counter stays lost for
-- longer than one step of the token clock, plus how far ahead of this server's clock the counter
-- was: a counter raised to a token from a faster master's clock needs that much longer.
local function mintSharedToken(fences, clock, ttlMillis)
  local token = clock
  for _, fence in ipairs(fences) do
    token = math.max(token, (tonumber(redis.call('GET', fence)) or 0) + 1)
  end
  for _, fence in ipairs(fences) do
    -- '%.0f': exact for any integer below 2^53, where '%d' would go through a C long.
    redis.call('SET', fence, string.format('%.0f', token), 'PX', ttlMillis)
  end
  return token
end

-- Mints the next fencing token of one lock (see mintSharedToken).
local function mintToken(fence, clock, ttlMillis)
  return mintSharedToken({fence}, clock, ttlMillis)
end

-- Queues a client (its waiter id; '' when it will not wait: nothing) on a lock's waiter queue, or
-- keeps its place (NX) and proves it alive until aliveMillis from now; both sets live ttlMillis.
local function queueWaiter(waiters, waiterDeadlines, waiter, now, aliveMillis, ttlMillis)
  if waiter ~= '' then
    redis.call('ZADD', waiters, 'NX', now, waiter)
    redis.call('ZADD', waiterDeadlines, now + tonumber(aliveMillis) * 1000, waiter)
    redis.call('PEXPIRE', waiters, ttlMillis)
    redis.call('PEXPIRE', waiterDeadlines, ttlMillis)
  end
end

-- The time in microseconds at which the last reader's lease runs out, or 0 when no reader's lease
-- runs any more: then the readers left behind (crashed, cut off) are dropped.
local function readersUntil(readers, now)
  local last = redis.call('ZREVRANGE', readers, 0, 0, 'WITHSCORES')
  if not last[2] then
    return 0
  end
  if tonumber(last[2]) <= now then
    redis.call('DEL', readers)
    return 0
  end
  return tonumber(last[2])
end

-- Takes a lock for owner, for leaseMillis, when nothing holds it, and returns nil; otherwise returns
-- how long until an exclusive holder may take it, in milliseconds: the holder's remaining lease (-1
-- when a foreign client set the key without expiry), or the time until the last reader's lease runs
-- out. Taking it with SET NX spares a free lock the read of a remaining lease and of its holder.
-- A lock that holds owner already was taken by this acquisition, sent again (Lettuce re-sends a
-- command that a disconnect cut off, see RedisNode): it is taken again, for a whole lease, where a
-- refusal would leave the first run's grant, known to nobody, blocking the name for that lease.
local function takeOrWait(lock, readers, now, owner, leaseMillis)
  local readersEnd = readersUntil(readers, now)
  if readersEnd > now then
    return math.ceil((readersEnd - now) / 1000)
  end
  if redis.call('SET', lock, owner, 'NX', 'PX', leaseMillis) then
    return nil
  end
  if lockValue(lock) == owner then
    redis.call('PEXPIRE', lock, leaseMillis)
    return nil
  end
  return redis.call('PTTL', lock)
end

-- Drops the fair acquisitions presumed gone (at most 100 a call; the rest go next time).
local function dropGoneFairWaiters(queue, deadlines, now)
  local gone = redis.call('ZRANGEBYSCORE', deadlines, '-inf', now, 'LIMIT', 0, 100)
  if gone[1] then
    redis.call('ZREM', queue, unpack(gone))
    redis.call('ZREM', deadlines, unpack(gone))
  end
end

-- Keeps a free lock for the head of the fair queue for the claim window at most (shortens the
-- head's deadline to it), and returns the time in microseconds by which the head must take it.
local function keepForHead(deadlines, head, now, claimMillis)
  local claimBy = now + tonumber(claimMillis) * 1000
  local deadline = tonumber(redis.call('ZSCORE', deadlines, head))
  if not deadline or deadline > claimBy then
    redis.call('ZADD', deadlines, claimBy, head)
    return claimBy
  end
  return deadline
end

-- Publishes on a release channel as pubsub says (the scripts' argument of that name): sharded
-- ('1', on a Cluster of Redis 7.0+), so that the message stays in the shard that owns the
-- channel's slot, the lock's own; else classic: '0' on a server that every listener of the channel
-- subscribes to (one server, Sentinel's master, each Redlock master), 'b' where the listeners cannot
-- be counted: on a Cluster, which broadcasts the message to every node, where its listeners may be,
-- and on Redis before 6.0, whose Sentinel left them on a master it turned into a replica.
local function publish(channel, message, pubsub)
  redis.call(pubsub == '1' and 'SPUBLISH' or 'PUBLISH', channel, message)
end

-- Whether a release of the lock must be announced: when a client queued for it, or any client
-- listens on its channel (a reader refused by a writer waits without queueing; a client's
-- multi-lock that won takes the client off the queue while another of its acquisitions waits). A
-- client waits only after it listens and has tried once more, so one that is not counted here tries
-- after this release. Where the listeners cannot be counted (pubsub 'b', see publish), always.
local function anyoneWaits(channel, pubsub, waiters, fairQueue)
  if pubsub == 'b' or redis.call('EXISTS', waiters, fairQueue) > 0 then
    return true
  end
  return redis.call('PUBSUB', pubsub == '1' and 'SHARDNUMSUB' or 'NUMSUB', channel)[2] > 0
end

-- Announces on the channel that the lock is free, naming whom it wakes: the head of the fair queue,
-- kept the lock for its claim window, and the one behind it ('<head> <next>'); else the
-- longest-waiting live client of the client queue, taken off it when pop is true (a release: the
-- named client queues again if it loses) or left on it (a reader's release: a waiting writer keeps
-- new readers out until it has the lock); else '' (every waiter). Published as publish() says for
-- pubsub. Returns the client named, '' when none, or nil when a fair waiter was named.
local function announceRelease(channel, pubsub, waiters, waiterDeadlines, fairQueue, fairDeadlines, now, claimMillis,
                               pop)
  dropGoneFairWaiters(fairQueue, fairDeadlines, now)
  local fair = redis.call('ZRANGE', fairQueue, 0, 1)
  if fair[1] then
    keepForHead(fairDeadlines, fair[1], now, claimMillis)
    if fair[2] then
      -- Woken after one claim window, the next one proves it is alive within two, or is skipped
      -- too: a run of gone waiters costs a window or two each, not their keep-alive deadlines.
      keepForHead(fairDeadlines, fair[2], now, 2 * tonumber(claimMillis))
    end
    publish(channel, fair[2] and fair[1] .. ' ' .. fair[2] or fair[1], pubsub)
    return nil
  end
  local named = ''
  -- Bounded, so that a queue of dead clients costs a release little; the rest goes next time.
  for _ = 1, 100 do
    local next = redis.call('ZRANGE', waiters, 0, 0)[1]
    if not next then
      break
    end
    local deadline = tonumber(redis.call('ZSCORE', waiterDeadlines, next))
    local alive = deadline and deadline > now
    if pop or not alive then
      redis.call('ZREM', waiters, next)
      redis.call('ZREM', waiterDeadlines, next)
    end
    if alive then
      named = next
      break
    end
  end
  publish(channel, named, pubsub)
  return named
end

-- Gives a set scored by expiry (a lock's readers, a semaphore's holders, a name's recent releases)
-- ttlMillis to live, unless it has longer: only ever raised, because a short lease granted or
-- renewed after a longer one (a fence counter's time to live may be shorter than a lease), or a
-- release remembered by a client of a shorter command timeout, must not end the set, and the longer
-- lease or memory in it, early.
local function liveAtLeast(set, ttlMillis)
  if redis.call('PTTL', set) < tonumber(ttlMillis) then
    redis.call('PEXPIRE', set, ttlMillis)
  end
end

-- Remembers for rememberMillis that owner released its read lease or permit, so that the same
-- release sent again (its reply lost, or re-sent by Lettuce after a reconnect) is told it released
-- the lease, not that the lease was lost. Several holders of a name release at once, so each
-- release is a member of the name's recent releases (one string would be overwritten by the next
-- release), scored by the server time (µs) until which it is remembered; those past it are dropped
-- here, and the set lives as long as its longest memory, so that no release is kept for ever. It
-- keeps the latest 1,000 at most (150 KB): a name released faster than that within the memory (a
-- read lock taken thousands of times a second would keep megabytes) forgets its oldest first, and
-- one of those sent again is reported lost, as it was before releases were remembered.
local function rememberRelease(recent, owner, now, rememberMillis)
  redis.call('ZREMRANGEBYSCORE', recent, '-inf', now)
  redis.call('ZADD', recent, now + tonumber(rememberMillis) * 1000, owner)
  redis.call('ZREMRANGEBYRANK', recent, 0, -1001)
  liveAtLeast(recent, rememberMillis)
end

-- Whether a release of owner, which found its lease gone, is owner's release sent again: the first
-- run released it (see rememberRelease). Any member counts, even one past its time and not dropped
-- yet: an owner token is never reused, so only its own release put it there; no clock is read.
local function releasedBefore(recent, owner)
  return redis.call('ZSCORE', recent, owner) ~= false
end

-- A semaphore's count is a member of its holders' sorted set ('count:<n>', scored +inf, so that no
-- lease ever ends it): it lives exactly as long as the holders do, where a key of its own could
-- expire under holders that renew for longer than its time to live.
local function permitCount(holders)
  local member = redis.call('ZRANGEBYSCORE', holders, '+inf', '+inf', 'LIMIT', 0, 1)[1]
  return member and tonumber(string.sub(member, 7)) or nil
end

-- How many permits of a semaphore of count permits are free: its holders whose leases ran out are
-- dropped first (crashed or cut off).
local function freePermits(holders, permits, now)
  redis.call('ZREMRANGEBYSCORE', holders, '-inf', now)
  local held = redis.call('ZCOUNT', holders, '-inf', '(+inf')
  return permits - held
end

-- Grants owner a permit of a semaphore for leaseMillis, takes it off the queue, and returns the
-- fencing token minted for it. The fence lives ttlMillis, the holders, with the count, at least as
-- long (see liveAtLeast).
local function grantPermit(holders, fence, queue, deadlines, owner, leaseMillis, now, ttlMillis)
  redis.call('ZADD', holders, now + tonumber(leaseMillis) * 1000, owner)
  liveAtLeast(holders, ttlMillis)
  redis.call('ZREM', queue, owner)
  redis.call('ZREM', deadlines, owner)
  return mintToken(fence, now, ttlMillis)
end

-- Keeps the free permits of a semaphore for the acquisitions first in its queue, for the claim
-- window at most (shortens their deadlines, as keepForHead does; at most 100 of them a call, the
-- rest go by their own keep-alives), and returns the queue's first free + 1 owner tokens at most.
local function keepPermitsForWaiters(queue, deadlines, free, now, claimMillis)
  local kept = math.min(free, 100)
  if kept <= 0 then
    return {}
  end
  local first = redis.call('ZRANGE', queue, 0, kept)
  for i = 1, math.min(#first, kept) do
    keepForHead(deadlines, first[i], now, claimMillis)
  end
  return first
end

-- The release of one lock, as release.lua describes it (its KEYS and ARGV, in order, are the
-- parameters here); returns what release.lua returns. Shared with multi-release.lua, whose plain
-- locks are never downgraded: it passes no readers.
local function releaseLock(lock, waiters, waiterDeadlines, lastRelease, fairQueue, fairDeadlines, readers, owner, channel,
                           wake, requeue, queueTtlMillis, aliveMillis, rememberMillis, claimMillis, pubsub)
  local current = lockValue(lock)
  if current == owner then
    redis.call('DEL', lock)
    if rememberMillis ~= '' then
      redis.call('SET', lastRelease, owner, 'PX', rememberMillis)
    end
    -- Nobody waiting spares the release a clock read, the queue and readers' reads and a message: half its calls.
    if wake == '1' and anyoneWaits(channel, pubsub, waiters, fairQueue) then
      local now = serverNow()
      local named = announceRelease(channel, pubsub, waiters, waiterDeadlines, fairQueue, fairDeadlines, now,
        claimMillis, not readers or readersUntil(readers, now) == 0)
      if named and named ~= '' and requeue ~= '' and named ~= requeue then
        queueWaiter(waiters, waiterDeadlines, requeue, now, aliveMillis, queueTtlMillis)
        return 2
      end
    end
    return 1
  end
  -- Sent again after its reply was lost, the release finds the key gone, or taken since by the
  -- waiter it woke: its memory tells either from a lease lost before the release.
  if rememberMillis ~= '' and redis.call('GET', lastRelease) == owner then
    return 1
  end
  return current and -1 or 0
end

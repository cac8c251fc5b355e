-- Takes a waiter off a queue and its deadlines, in one step: a script that ran between two separate
-- removals could find the waiter in one of them and act on it (a release keeping a permit for it
-- gives it a deadline again, a reader sees a writer waiting), and leave it behind in the other.
-- KEYS[1]  the queue: a sorted set of waiters (see acquire.lua, fair-acquire.lua, permit-acquire.lua)
-- KEYS[2]  the queue's deadlines: the same waiters, scored by when each is presumed gone
-- ARGV[1]  the waiter: a client's waiter id, or an acquisition's owner token
-- Returns  the number of entries removed, of both sets
return redis.call('ZREM', KEYS[1], ARGV[1]) + redis.call('ZREM', KEYS[2], ARGV[1])

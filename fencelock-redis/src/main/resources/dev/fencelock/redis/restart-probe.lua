-- Reads what a Redlock client needs to judge whether this server restarted and kept its data, and
-- writes the restart marker when it is missing, in one step against this server's own state:
-- Lettuce sends a command cut off by a disconnect again after the reconnect, perhaps to a new
-- process, and a replayed call must not pass one process's run id or marker for another's.
-- KEYS[1]  the restart marker: the run id of the server process that first wrote it
-- Returns  {run id ('' when the server names none), uptime in seconds, '1' when it writes an
--          append-only file else '0', the marker after this call}
local server = redis.call('INFO', 'server')
local runId = string.match(server, 'run_id:(%w+)') or ''
local uptime = string.match(server, 'uptime_in_seconds:(%d+)') or '0'
local aof = string.match(redis.call('INFO', 'persistence'), 'aof_enabled:(%d)') or '0'
local marker = redis.call('GET', KEYS[1])
if not marker then
  marker = runId
  redis.call('SET', KEYS[1], marker)
end
return {runId, uptime, aof, marker}

"""Lua run inside Redis so a state change, its event and its indexes land atomically.

One script call replaces DESIGN.md's MULTI: it also allocates the job's `seq`, which a MULTI
could not hand back, and checks the state it is allowed to change from. The per-job stream's
entry ids are `0-<seq>`, so a client's last seq is directly an XRANGE cursor.
"""

CREATE = """
local id, use_dedup, job_prefix = ARGV[1], ARGV[2], ARGV[3]
if use_dedup == '1' then
  local owner = redis.call('GET', KEYS[5])
  if owner then
    local st = redis.call('HGET', job_prefix .. owner, 'state')
    if st == 'queued' or st == 'running' or st == 'paused' then
      return {0, owner, ''}
    end
  end
  redis.call('SET', KEYS[5], id)
end
for i = 8, #ARGV, 2 do redis.call('HSET', KEYS[1], ARGV[i], ARGV[i + 1]) end
local seq = redis.call('HINCRBY', KEYS[1], 'seq', 1)
local evt = '{"seq":' .. seq .. ',' .. string.sub(ARGV[6], 2)
redis.call('XADD', KEYS[2], 'MAXLEN', '~', ARGV[4], '0-' .. seq, 'e', evt)
local fid = redis.call('XADD', KEYS[3], 'MAXLEN', '~', ARGV[5], '*', 'j', id, 'e', evt)
redis.call('ZADD', KEYS[4], ARGV[7], id)
return {1, id, fid}
"""

EMIT = """
if redis.call('EXISTS', KEYS[1]) == 0 then return false end
local before = redis.call('HGET', KEYS[1], 'state') or ''
if ARGV[10] ~= '' and redis.call('HGET', KEYS[1], 'run') ~= ARGV[10] then return false end
if ARGV[1] ~= '' then
  local ok = false
  for s in string.gmatch(ARGV[1], '[^,]+') do if s == before then ok = true end end
  if not ok then return false end
end
for i = 11, #ARGV, 2 do redis.call('HSET', KEYS[1], ARGV[i], ARGV[i + 1]) end
local seq = redis.call('HINCRBY', KEYS[1], 'seq', 1)
local evt = '{"seq":' .. seq .. ',' .. string.sub(ARGV[4], 2)
redis.call('XADD', KEYS[2], 'MAXLEN', '~', ARGV[2], '0-' .. seq, 'e', evt)
local fid = redis.call('XADD', KEYS[3], 'MAXLEN', '~', ARGV[3], '*', 'j', ARGV[5], 'e', evt)
local mode = ARGV[6]
if mode == 'running' then
  redis.call('ZADD', KEYS[4], ARGV[7], ARGV[5])
elseif mode == 'idle' or mode == 'terminal' then
  redis.call('ZREM', KEYS[4], ARGV[5])
end
if mode == 'terminal' then
  if ARGV[9] ~= '' and redis.call('GET', ARGV[9]) == ARGV[5] then redis.call('DEL', ARGV[9]) end
  redis.call('EXPIRE', KEYS[1], ARGV[8])
  redis.call('EXPIRE', KEYS[2], ARGV[8])
end
return {seq, fid, before}
"""

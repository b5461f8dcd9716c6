-- Trusted set-up of the scripting Lua state, run once when it is built.
-- It receives `debug.getinfo` and the bridge table through which each run
-- lends `call`; afterwards `debug` and the unsafe functions are gone, the
-- libraries are read-only and the globals are reached through a proxy that
-- refuses new names (as Redis 7.0's patched Lua does).
local getinfo, bridge, lib_names, raising = ...
local G = _G
local error, type, tostring, rawget, rawset = error, type, tostring, rawget, rawset
local raw_setmetatable, raw_loadstring = setmetatable, loadstring

local readonly = raw_setmetatable({}, { __mode = 'k' })
local function deny() error('Attempt to modify a readonly table', 2) end
local function protect(t)
  local proxy = raw_setmetatable({}, { __index = t, __newindex = deny, __metatable = false })
  readonly[proxy] = true
  return proxy
end

G.setmetatable = function(t, mt)
  if readonly[t] then error('Attempt to modify a readonly table', 0) end
  return raw_setmetatable(t, mt)
end
G.rawset = function(t, k, v)
  if readonly[t] then error('Attempt to modify a readonly table', 0) end
  return rawset(t, k, v)
end
-- The text of an error a Rust function raised, without the traceback
-- the binding appends.
local find, sub = string.find, string.sub
local function native_text(e)
  local text = tostring(e)
  local cut = find(text, '\nstack traceback:', 1, true)
  if cut then text = sub(text, 1, cut - 1) end
  if sub(text, 1, 15) == 'runtime error: ' then text = sub(text, 16) end
  return text
end

-- A Redis error caught by `pcall` is its text, as in Redis 7.0.
local raw_pcall, select, unpack = pcall, select, unpack
local function caught(count, ok, ...)
  if not ok then
    local e = ...
    if type(e) == 'table' and type(rawget(e, 'err')) == 'string' then
      return false, rawget(e, 'err')
    end
    if type(e) == 'userdata' then
      local text = native_text(e)
      -- SCRIPT KILL and SHUTDOWN NOSAVE cannot be caught.
      if sub(text, 1, 29) == 'Script killed by user with SC' then error(e, 0) end
      return false, text
    end
  end
  return ok, ...
end
G.pcall = function(...)
  return caught(select('#', ...), raw_pcall(...))
end
-- Bytecode could crash the interpreter: text only.
G.loadstring = function(s, name)
  if type(s) == 'string' and s:byte(1) == 27 then return nil, 'bytecode is not allowed' end
  return raw_loadstring(s, name)
end

local redis = G.redis
-- C functions: `call` raises the error table a bridge function answers, `pcall` returns it.
redis.call = raising.call
redis.pcall = raising.pcall
redis.setresp = raising.setresp
redis.set_repl = raising.set_repl
redis.log = raising.log
redis.sha1hex = raising.sha1hex
redis.register_function = raising.register_function
redis.error_reply = function(message)
  if type(message) ~= 'string' then error({ err = 'ERR wrong number or type of arguments' }) end
  if message:sub(1, 1) == '-' then message = message:sub(2) end
  return { err = message }
end
redis.status_reply = function(message)
  if type(message) ~= 'string' then error({ err = 'ERR wrong number or type of arguments' }) end
  return { ok = message }
end
redis.breakpoint = function() return false end
redis.debug = function() end

for _, name in ipairs(lib_names) do
  G[name] = protect(G[name])
end

-- Redis's error handler: a table with the message and where it happened
-- in the user's code (frames of C functions and of this file skipped).
local function handler(err)
  local level = 2
  local info = getinfo(level, 'nSl')
  while info and (info.what == 'C' or info.source == '=redis') do
    level = level + 1
    info = getinfo(level, 'nSl')
  end
  if type(err) == 'userdata' then
    err = { err = 'ERR ' .. native_text(err) }
  elseif type(err) ~= 'table' then
    err = { err = 'ERR ' .. tostring(err) }
  end
  if info then
    err.source = info.source
    err.line = info.currentline
  end
  return err
end

-- A read-only proxy whose unknown names raise the nonexistent-global
-- error; `source()` gives the table names are looked up in.
local function strict(source)
  local proxy = raw_setmetatable({}, {
    __index = function(_, name)
      local value = rawget(source(), name)
      if value == nil then
        error("Script attempted to access nonexistent global variable '" .. tostring(name) .. "'", 2)
      end
      return value
    end,
    __newindex = deny,
    __metatable = false,
  })
  readonly[proxy] = true
  return proxy
end

-- The environment scripts run in: reads of unknown names fail, writes are
-- refused. Its names are looked up in the globals table itself (no Lua
-- call per global read); only a name the globals lack reaches the
-- globals' own `__index`, which raises. Only trusted code sees the
-- globals table.
raw_setmetatable(G, {
  __index = function(_, name)
    error("Script attempted to access nonexistent global variable '" .. tostring(name) .. "'", 2)
  end,
  __metatable = false,
})
local env = raw_setmetatable({}, { __index = G, __newindex = deny, __metatable = false })
readonly[env] = true
G._G = env

-- Function libraries: their code runs with only the loading API; the
-- functions they register, when called, see the full globals (Redis
-- switches the globals' `__index` the same way).
local load_redis = { register_function = raising.register_function, log = raising.log }
for _, name in ipairs({ 'LOG_DEBUG', 'LOG_VERBOSE', 'LOG_NOTICE', 'LOG_WARNING', 'REDIS_VERSION', 'REDIS_VERSION_NUM' }) do
  load_redis[name] = redis[name]
end
local load_api = { redis = strict(function() return load_redis end) }
for _, name in ipairs({ 'string', 'math', 'table', 'bit', 'cjson', 'cmsgpack', 'struct' }) do
  load_api[name] = G[name]
end
local current = { api = G }
local function_env = strict(function() return current.api end)
local function loading(on)
  current.api = on and load_api or G
end

local xpcall = xpcall
local function run(f, keys, args)
  if keys then
    return xpcall(function() return f(keys, args) end, handler)
  end
  return xpcall(f, handler)
end

return env, run, function_env, loading

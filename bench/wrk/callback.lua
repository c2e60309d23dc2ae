-- POST /api/callback with a UNIQUE install event per request (a write each time: the event is
-- recorded, the API key encrypted, the install row created). Ids are
-- instapp_<BENCH_TAG>_<thread>_<n>, so two runs or two threads never repeat an event.
--
-- A unique body means a Lua call per request (static requests are built once), so this script
-- keeps that call cheap: the request line and headers are built once, and each request only
-- concatenates the varying parts. (wrk.format and string.format with five random numbers per
-- request cost wrk about 10 us more per request, measured; on a 2-core machine the load
-- generator's CPU is taken from the server's.)
local common = dofile(os.getenv("BENCH_WRK_DIR") .. "/common.lua")

local tag = os.getenv("BENCH_TAG") or "run"
local threads = {}
local next_tid = 1

function setup(thread)
  thread:set("tid", next_tid)
  next_tid = next_tid + 1
  table.insert(threads, thread)
end

local n = 0
local head, id_prefix, key_prefix, inst

function init(args)
  head = "POST " .. wrk.path .. " HTTP/1.1\r\nHost: " .. wrk.headers["Host"]
    .. "\r\nContent-Type: application/json\r\nContent-Length: "
  id_prefix = string.format("instapp_%s_%d_", tag, tid)
  inst = string.format("inst_%s_%d", tag, tid)
  -- A key of the shape Cloud issues (a prefix and 40-odd characters): 32 random hex digits per
  -- thread, then the request's number, so a key is never reused.
  key_prefix = string.format("blnk_live_%08x%08x%08x%08x_",
    math.random(0, 0x7fffffff), math.random(0, 0x7fffffff), math.random(0, 0x7fffffff), tid)
end

function request()
  n = n + 1
  local id = id_prefix .. n
  local key = key_prefix .. n
  local body = '{"installed_app_id":"' .. id .. '","app_id":"app_kyc","instance_id":"' .. inst
    .. '","api_key":"' .. key .. '","api_key_prefix":"' .. key:sub(1, 8)
    .. '","granted_permissions":["data:read","data:write","alerts:read","alerts:write"],'
    .. '"idempotency_key":"install:' .. id .. '"}'
  return head .. #body .. "\r\n\r\n" .. body
end

function done(summary, latency, requests)
  common.write_result(summary, latency)
end

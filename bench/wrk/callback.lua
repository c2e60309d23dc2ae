-- POST /api/callback with a UNIQUE install event per request (a write each time: the event is
-- recorded, the API key encrypted, the install row created). Ids are
-- instapp_<BENCH_TAG>_<thread>_<n>, so two runs or two threads never repeat an event.
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
local headers = { ["Content-Type"] = "application/json" }

function request()
  n = n + 1
  local id = string.format("instapp_%s_%d_%d", tag, tid, n)
  -- A key of the shape Cloud issues (prefix + 40 hex-ish characters); never reused.
  local key = string.format("blnk_live_%08x%08x%08x%08x%08x",
    tid, n, math.random(0, 0x7fffffff), math.random(0, 0x7fffffff), math.random(0, 0x7fffffff))
  local body = string.format(
    '{"installed_app_id":"%s","app_id":"app_kyc","instance_id":"inst_%s_%d",'
      .. '"api_key":"%s","api_key_prefix":"%s",'
      .. '"granted_permissions":["data:read","data:write","alerts:read","alerts:write"],'
      .. '"idempotency_key":"install:%s"}',
    id, tag, tid, key, key:sub(1, 8), id)
  return wrk.format("POST", "/api/callback", headers, body)
end

function done(summary, latency, requests)
  common.write_result(summary, latency)
end

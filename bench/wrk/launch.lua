-- A full launch, as a browser inside Blnk Cloud's iframe does it, repeated on every connection:
--   1. POST /api/portal              -> 200 {"portal_url": ".../portal?token=T"}  (Cloud's call)
--   2. GET  /portal?token=T          -> 303 to /kyc?s=S, Set-Cookie kyc_session=S (redeem once)
--   3. GET  /kyc?s=S  + cookie       -> 303 to /kyc (the cookie came back: clean the URL)
--   4. GET  /kyc      + cookie       -> 200 the portal home page (first page)
-- One launch = those four requests in order on one connection. Run wrk with as many threads as
-- connections (-t N -c N): each wrk thread has its own Lua state, so each connection keeps its own
-- step. Wall-clock time per launch comes from clock_gettime through LuaJIT's ffi.
local common = dofile(os.getenv("BENCH_WRK_DIR") .. "/common.lua")
local ffi = require("ffi")
ffi.cdef [[
  typedef struct { long tv_sec; long tv_nsec; } bench_timespec;
  int clock_gettime(int clk_id, bench_timespec *tp);
]]
local ts = ffi.new("bench_timespec")
local function now_us()
  ffi.C.clock_gettime(1, ts) -- CLOCK_MONOTONIC
  return tonumber(ts.tv_sec) * 1e6 + tonumber(ts.tv_nsec) / 1e3
end

local install = os.getenv("BENCH_INSTALL")
local threads = {}
local next_tid = 1

function setup(thread)
  thread:set("tid", next_tid)
  next_tid = next_tid + 1
  table.insert(threads, thread)
end

-- Per-thread (= per-connection) state; read back in done() with thread:get.
launches = 0
failures = 0
failed_at = {}     -- step -> count of unexpected statuses
lat = {}           -- launch durations in µs
local step, started, next_path, cookie = 1, 0, nil, nil

local json_headers = { ["Content-Type"] = "application/json" }

function request()
  if step == 1 then
    started = now_us()
    local body = string.format(
      '{"installed_app_id":"%s","app_id":"app_kyc","instance_id":"inst_bench","user_id":"user_launch_%d"}',
      install, tid)
    return wrk.format("POST", "/api/portal", json_headers, body)
  elseif step == 2 then
    return wrk.format("GET", next_path, {})
  else
    return wrk.format("GET", next_path, { ["Cookie"] = cookie })
  end
end

local function header(headers, name)
  return headers[name] or headers[name:lower()] or headers[name:gsub("^%l", string.upper)]
end

local function fail()
  failures = failures + 1
  failed_at[step] = (failed_at[step] or 0) + 1
  step = 1
end

function response(status, headers, body)
  if step == 1 then
    local url = status == 200 and body:match('"portal_url"%s*:%s*"([^"]+)"')
    if not url then return fail() end
    next_path = url:match("^https?://[^/]+(/.*)$")
    step = 2
  elseif step == 2 then
    local set_cookie = header(headers, "set-cookie")
    local location = header(headers, "location")
    if status ~= 303 or not set_cookie or not location then return fail() end
    cookie = set_cookie:match("^([^;]+)")
    next_path = location
    step = 3
  elseif step == 3 then
    local location = header(headers, "location")
    if status ~= 303 or not location then return fail() end
    next_path = location
    step = 4
  else
    if status ~= 200 or not body:find("<html", 1, true) then return fail() end
    launches = launches + 1
    lat[#lat + 1] = now_us() - started
    step = 1
  end
end

function done(summary, latency, requests)
  local all, total, failed, at = {}, 0, 0, {}
  for _, t in ipairs(threads) do
    total = total + t:get("launches")
    failed = failed + t:get("failures")
    for k, v in pairs(t:get("failed_at")) do at[k] = (at[k] or 0) + v end
    for _, v in ipairs(t:get("lat")) do all[#all + 1] = v end
  end
  table.sort(all)
  local function pct(p)
    if #all == 0 then return 0 end
    return all[math.max(1, math.min(#all, math.ceil(#all * p / 100)))] / 1000
  end
  local secs = summary.duration / 1e6
  common.write_result(summary, latency, {
    launches = total,
    launches_per_s = total / secs,
    launch_failures = failed,
    launch_failed_at_step = at,
    launch_p50_ms = pct(50),
    launch_p99_ms = pct(99),
  })
end

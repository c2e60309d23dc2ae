-- GET of the URL given to wrk (e.g. /healthz or /kyc/queue). BENCH_COOKIE, when set, is sent as
-- the Cookie header (the portal session for /kyc/queue).
local common = dofile(os.getenv("BENCH_WRK_DIR") .. "/common.lua")

local cookie = os.getenv("BENCH_COOKIE")
if cookie and cookie ~= "" then
  wrk.headers["Cookie"] = cookie
end

function done(summary, latency, requests)
  common.write_result(summary, latency)
end

-- POST /api/portal for one installed app (BENCH_INSTALL), as Blnk Cloud sends it on "Launch app".
-- Every request mints and stores a new one-time launch token; the body is the same each time.
local common = dofile(os.getenv("BENCH_WRK_DIR") .. "/common.lua")

wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
wrk.body = string.format(
  '{"installed_app_id":"%s","app_id":"app_kyc","instance_id":"inst_bench","user_id":"user_bench_1"}',
  os.getenv("BENCH_INSTALL"))

function done(summary, latency, requests)
  common.write_result(summary, latency)
end

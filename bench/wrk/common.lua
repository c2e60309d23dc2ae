-- Shared by every wrk script of the harness (loaded with dofile).
-- `write_result` turns wrk's end-of-run summary into one JSON object in the file named by the
-- BENCH_OUT environment variable, so bench/tools/report.py can build the table without parsing
-- wrk's human output.

local M = {}

local function encode(v)
  local t = type(v)
  if t == "number" then
    if v ~= v or v == math.huge or v == -math.huge then return "null" end
    if v == math.floor(v) and math.abs(v) < 2 ^ 53 then return string.format("%d", v) end
    return string.format("%.6f", v)
  elseif t == "string" then
    return '"' .. v:gsub('[%c"\\]', function(c) return string.format("\\u%04x", c:byte()) end) .. '"'
  elseif t == "boolean" then
    return tostring(v)
  elseif t == "table" then
    local parts = {}
    for k, val in pairs(v) do
      parts[#parts + 1] = encode(tostring(k)) .. ":" .. encode(val)
    end
    table.sort(parts)
    return "{" .. table.concat(parts, ",") .. "}"
  end
  return "null"
end
M.encode = encode

-- summary/latency are wrk's done() arguments; latencies are in microseconds.
-- `extra` adds script-specific fields (e.g. launches for the launch script).
function M.write_result(summary, latency, extra)
  local secs = summary.duration / 1e6
  local e = summary.errors
  local r = {
    requests = summary.requests,
    duration_s = secs,
    rps = summary.requests / secs,
    bytes = summary.bytes,
    mean_ms = latency.mean / 1000,
    p50_ms = latency:percentile(50) / 1000,
    p90_ms = latency:percentile(90) / 1000,
    p99_ms = latency:percentile(99) / 1000,
    max_ms = latency.max / 1000,
    -- wrk counts a response >= 400 as a "status" error; socket problems separately.
    errors_status = e.status,
    errors_socket = e.connect + e.read + e.write + e.timeout,
  }
  for k, v in pairs(extra or {}) do r[k] = v end
  local path = os.getenv("BENCH_OUT")
  if path then
    local f = assert(io.open(path, "w"))
    f:write(encode(r), "\n")
    f:close()
  end
end

return M

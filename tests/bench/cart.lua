-- wrk script: POST /api/v1/carts/{id}/items round-robin over the carts listed in
-- WRK_CARTS_FILE (lines "cart_id token sku"), each thread starting at its own offset.
local counter = 0
local threads = 0

setup = function(thread)
  thread:set("offset", threads * 7919)
  threads = threads + 1
end

init = function(args)
  carts = {}
  for line in io.lines(os.getenv("WRK_CARTS_FILE")) do
    local id, token, sku = line:match("(%S+) (%S+) (%S+)")
    carts[#carts + 1] = {id = id, token = token, sku = sku}
  end
  n = offset or 0
end

request = function()
  n = n + 1
  local cart = carts[(n % #carts) + 1]
  return wrk.format("POST", "/api/v1/carts/" .. cart.id .. "/items",
    {["Content-Type"] = "application/json", ["X-Cart-Token"] = cart.token},
    '{"sku":"' .. cart.sku .. '","quantity":1}')
end

done = function(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    'BENCH_JSON {"requests":%d,"duration_us":%d,"errors":%d,"non2xx":%d,"p50_ms":%.2f,"p95_ms":%.2f,"p99_ms":%.2f}\n',
    summary.requests, summary.duration, e.connect + e.read + e.write + e.status + e.timeout, e.status,
    latency:percentile(50) / 1000, latency:percentile(95) / 1000, latency:percentile(99) / 1000))
end

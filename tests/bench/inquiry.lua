-- wrk script: public POST /api/v1/inquiries, a different inquiry each time (email, country,
-- type, budget, products, message vary per request; each thread has its own prefix), so
-- the 20 scoring rules see varied input. WRK_RUN (optional) keeps emails apart across runs.
local threads = 0
local run = os.getenv("WRK_RUN") or "0"
local countries = {"NG", "GH", "KE", "ZA", "US", "GB", "DE", "TZ", "IN", ""}
local types = {"sales", "sales", "general", "support", "partnership"}
local orgs = {"government", "ngo", "cooperative", "private", "individual"}
local products = {'["tractor"]', '["pump","irrigation-kit"]', '["generator"]', '[]', '["tractor","sprayer"]'}
local messages = {
  "Please send a quote for 4 tractors delivered to our site.",
  "We need an urgent quote: 12 pumps for the coming season.",
  "Tender reference 2291: supply of irrigation kits. Please quote.",
  "Do you have spare parts for the generator? Ours broke down.",
  "I am a student doing research on solar systems in my region.",
}

setup = function(thread)
  thread:set("tid", threads)
  threads = threads + 1
end

init = function(args)
  n = 0
end

local function pick(list, i)
  return list[(i % #list) + 1]
end

request = function()
  n = n + 1
  local body = string.format(
    '{"inquiry_type":"%s","full_name":"Wrk Client %d","email":"wrk-%s-%d-%d@bench.example",'
      .. '"phone":"+234 803 555 %04d","company":"Bench Farms Ltd","country":"%s","message":"%s",'
      .. '"source":"bench","metadata":{"budget":%d,"org_type":"%s","timeline":"1 month","products":%s}}',
    pick(types, n), n, run, tid, n, n % 10000, pick(countries, n * 7), pick(messages, n * 3),
    (n % 9) * 125000, pick(orgs, n * 11), pick(products, n * 13))
  return wrk.format("POST", "/api/v1/inquiries", {["Content-Type"] = "application/json"}, body)
end

done = function(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    'BENCH_JSON {"requests":%d,"duration_us":%d,"errors":%d,"non2xx":%d,"p50_ms":%.2f,"p95_ms":%.2f,"p99_ms":%.2f}\n',
    summary.requests, summary.duration, e.connect + e.read + e.write + e.status + e.timeout, e.status,
    latency:percentile(50) / 1000, latency:percentile(95) / 1000, latency:percentile(99) / 1000))
end

-- wrk script for bench_load.py: rotates session cookies (one per logged-in client, given after `--`),
-- sends the headers the TLS proxy would, and prints one JSON line with req/s, errors and percentiles.
local cookies = {}
local counter = 0
local path = "/"

init = function(args)
  path = args[1] or "/"
  for i = 2, #args do cookies[#cookies + 1] = args[i] end
end

request = function()
  local headers = { ["Host"] = "localhost", ["X-Forwarded-Proto"] = "https" }
  if #cookies > 0 then
    counter = counter + 1
    headers["Cookie"] = cookies[(counter % #cookies) + 1]
  end
  return wrk.format("GET", path, headers)
end

done = function(summary, latency, requests)
  local errors = summary.errors
  io.write(string.format(
    '{"requests": %d, "duration_s": %.3f, "non_2xx": %d, "socket_errors": %d, "p50_ms": %.2f, "p95_ms": %.2f, "p99_ms": %.2f}\n',
    summary.requests, summary.duration / 1e6, errors.status, errors.connect + errors.read + errors.write + errors.timeout,
    latency:percentile(50) / 1000, latency:percentile(95) / 1000, latency:percentile(99) / 1000))
end

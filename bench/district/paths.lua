-- wrk script: GET the paths of a file one after another, with a bearer token,
-- and print one line a caller can read: requests, errors, p50, p99, max.
--   wrk -t2 -c8 -d10s --timeout 60s -s bench/district/paths.lua http://127.0.0.1:PORT -- PATHS_FILE TOKEN
-- Each wrk thread starts at another place in the file, so the connections do
-- not ask for the same page at the same moment.
local paths, headers, next_index = {}, {}, 0
local threads = 0

function setup(thread)
  thread:set("id", threads)
  threads = threads + 1
end

function init(args)
  for line in io.lines(args[1]) do
    if line ~= "" then paths[#paths + 1] = line end
  end
  assert(#paths > 0, "no paths in " .. args[1])
  headers["Authorization"] = "Bearer " .. args[2]
  next_index = ((id or 0) * 7919) % #paths
end

function request()
  next_index = next_index % #paths + 1
  return wrk.format("GET", paths[next_index], headers)
end

-- Any answer that is not 2xx or 3xx is an error (wrk counts 4xx and 5xx as
-- status errors), and so is a socket error or a timeout: a fast stream of
-- errors must not pass for a fast route.
function done(summary, latency, requests)
  local e = summary.errors
  io.write(string.format("RESULT %d %d %.3f %.3f %.3f %.3f\n", summary.requests,
    e.status + e.connect + e.read + e.write + e.timeout, summary.duration / 1e6,
    latency:percentile(50) / 1000, latency:percentile(99) / 1000, latency.max / 1000))
end

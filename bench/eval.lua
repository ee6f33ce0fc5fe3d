-- wrk script: POST the example case of CASES.md to /api/evaluations.
-- usage: wrk -t2 -c8 -d20s --latency -s bench/eval.lua http://127.0.0.1:8080/api/evaluations
-- The case is read once from examples/cases-md-example.json (run from the repository root).
local f = assert(io.open("examples/cases-md-example.json", "rb"))
wrk.method = "POST"
wrk.body = f:read("*a")
wrk.headers["Content-Type"] = "application/json"
f:close()

-- Report answers that are not 2xx, so a fast stream of errors cannot pass for throughput.
function done(summary, latency, requests)
  io.write(string.format("non-200 answers: %d (socket errors: connect %d, read %d, write %d, timeout %d)\n",
    summary.errors.status, summary.errors.connect, summary.errors.read, summary.errors.write,
    summary.errors.timeout))
  for _, p in pairs({50, 90, 99, 99.9}) do
    io.write(string.format("p%g: %.2f ms\n", p, latency:percentile(p) / 1000))
  end
end

-- wrk script for bench/graphql_read/run.sh: POSTs one GraphQL request.
--   BENCH_BODY_FILE  file holding the JSON body ({"query": "..."})
--   BENCH_AUTH       optional value of the Authorization header
-- Each thread also counts responses whose body carries "errors" (GraphQL
-- errors come back with status 200, which wrk would not count otherwise);
-- the total is printed as "GraphQL errors: N" after wrk's own summary.

local file = assert(io.open(assert(os.getenv("BENCH_BODY_FILE"), "BENCH_BODY_FILE unset"), "rb"))
wrk.method = "POST"
wrk.body = file:read("*a")
file:close()
wrk.headers["Content-Type"] = "application/json"
local auth = os.getenv("BENCH_AUTH")
if auth and auth ~= "" then
  wrk.headers["Authorization"] = auth
end

local threads = {}

function setup(thread)
  table.insert(threads, thread)
end

function init(args)
  gql_errors = 0
end

function response(status, headers, body)
  if body and string.find(body, '"errors"', 1, true) then
    gql_errors = gql_errors + 1
  end
end

function done(summary, latency, requests)
  local total = 0
  for _, thread in ipairs(threads) do
    total = total + (thread:get("gql_errors") or 0)
  end
  io.write(string.format("GraphQL errors: %d\n", total))
end

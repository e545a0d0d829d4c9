-- wrk script used by scripts/bench: prints one JSON line at the end, with
-- the requests answered, their rate, latency percentiles in microseconds and
-- the errors wrk counted (status: answers of 400 or more).
--
-- With WRK_RANDOM_STORIES=N each request asks for an article picked at
-- random: a story from 1..N and one of its three languages (bench-S-uk,
-- -ru, -en), so the server's page cache almost never holds the answer:
-- every request is read and rendered. All three languages, because the
-- bench's live page and edits are English: a page must not be slower for
-- being in a language other than the busiest one.
--
-- With WRK_PAUSE_MS=M each connection waits M milliseconds after an answer
-- before it asks again: the load is offered at a pace below what saturates
-- the server, so the latencies are those of requests that did not queue
-- behind the 31 others a saturating run keeps in flight.
local stories = tonumber(os.getenv("WRK_RANDOM_STORIES") or "")
local pause = tonumber(os.getenv("WRK_PAUSE_MS") or "")
if pause then
  delay = function() return pause end
end
local languages = {"uk", "ru", "en"}
if stories then
  init = function(args)
    math.randomseed(os.time() + tonumber(tostring({}):match("0x(%x+)") or "0", 16) % 100000)
  end
  request = function()
    local lang = languages[math.random(1, 3)]
    return wrk.format("GET", "/" .. lang .. "/bench-" .. math.random(1, stories) .. "-" .. lang)
  end
end

done = function(summary, latency, requests)
  local errors = summary.errors
  io.write(string.format(
    '{"requests": %d, "seconds": %.3f, "rps": %.1f, "p50_us": %d, "p90_us": %d, "p99_us": %d, "max_us": %d, ' ..
    '"connect_errors": %d, "read_errors": %d, "write_errors": %d, "status_errors": %d, "timeouts": %d}\n',
    summary.requests, summary.duration / 1e6, summary.requests / (summary.duration / 1e6),
    latency:percentile(50), latency:percentile(90), latency:percentile(99), latency.max,
    errors.connect, errors.read, errors.write, errors.status, errors.timeout))
end

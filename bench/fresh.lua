-- wrk script: each request takes the next line of a requests file, round-robin.
-- Script arguments: the requests file (lines "Accept<TAB>path") and the mode:
--   fresh     every request's query text differs: a comment "# fresh <thread>-<n>" is
--             appended to the path's last parameter (the query), so no cache can answer it;
--   repeated  every request sends the line as it is.
local lines = {}
local counter = 0
local fresh = true
local thread_id = 0
local threads = 0

function setup(thread)
  threads = threads + 1
  thread:set("thread_id", threads)
end

function init(args)
  for line in io.lines(args[1]) do
    local accept, path = line:match("^([^\t]+)\t(.+)$")
    if accept then lines[#lines + 1] = { accept = accept, path = path } end
  end
  fresh = args[2] ~= "repeated"
  counter = math.random(#lines)
end

function request()
  counter = counter + 1
  local line = lines[counter % #lines + 1]
  local path = line.path
  if fresh then
    path = path .. "%0A%23%20fresh%20" .. thread_id .. "-" .. counter
  end
  return wrk.format("GET", path, { ["Accept"] = line.accept })
end

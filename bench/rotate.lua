-- wrk script for the soak test: each request takes the next path of the mix, round-robin.
-- The paths file (one path per line) is given as the first script argument.
local paths = {}
local counter = 0

function init(args)
  for line in io.lines(args[1]) do
    if #line > 0 then paths[#paths + 1] = line end
  end
  counter = math.random(#paths)
end

function request()
  counter = counter % #paths + 1
  return wrk.format("GET", paths[counter], { ["Accept"] = "application/sparql-results+json, text/turtle;q=0.9" })
end

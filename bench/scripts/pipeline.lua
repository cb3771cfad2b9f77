-- wrk script: send `depth` requests back to back on each connection (HTTP/1.1 pipelining).
-- Usage: wrk -s pipeline.lua <url> -- <depth>   (depth defaults to 16)
-- After wrk's own scripts/pipeline.lua.
init = function(args)
  local depth = tonumber(args[1]) or 16
  local r = {}
  for i = 1, depth do
    r[i] = wrk.format(nil, "/")
  end
  req = table.concat(r)
end

request = function()
  return req
end

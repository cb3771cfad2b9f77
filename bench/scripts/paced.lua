-- wrk script: each connection waits `ms` milliseconds (default 1) after an answer before its next
-- request, so that the offered load is about connections / (ms + latency) whatever the server's
-- capacity: servers are compared at the same rate instead of each at its own saturation.
-- Usage: wrk -s paced.lua <url> -- <ms>
local pause = 1
init = function(args)
  pause = tonumber(args[1]) or 1
end

delay = function()
  return pause
end

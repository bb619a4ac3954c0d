-- Lua 5.4 in Sole (issue 6's app tests): tables, closures, string
-- functions, integers and floats, coroutines, errors and the standard
-- library, each printing fixed text that tests/integration/apps.rs checks.

local fruit = { "pear", "apple", "fig", "banana" }
table.sort(fruit)
print("sorted: " .. table.concat(fruit, ","))

local function counter()
  local n = 0
  return function() n = n + 1; return n end
end
local c = counter()
c(); c()
print("closure: " .. c())

local words = {}
for w in string.gmatch("the quick brown fox", "%a+") do words[#words + 1] = w:upper() end
print("gmatch: " .. table.concat(words, " "))
print(string.format("format: %5.2f|%-4s|%x|%q", math.pi, "ab", 255, "hi\n"))
print("gsub: " .. (("hello world"):gsub("o", "0")))

print("integers: " .. (7 // 2) .. " " .. (7 % 3) .. " " .. (2 ^ 10) .. " " .. math.maxinteger)
print("types: " .. math.type(3) .. " " .. math.type(3.0) .. " " .. tostring(3 == 3.0))

local gen = coroutine.wrap(function()
  for i = 1, 3 do coroutine.yield(i * 10) end
end)
print("coroutine: " .. gen() .. " " .. gen() .. " " .. gen())

local ok, err = pcall(function() error({ code = 42 }) end)
print("pcall: " .. tostring(ok) .. " " .. err.code)
local ok2, msg = pcall(function() local t = nil; return t.x end)
print("error: " .. tostring(ok2) .. " " .. tostring(msg:match("attempt to index") ~= nil))

local sq = setmetatable({}, { __index = function(t, k) return k * k end })
print("metatable: " .. sq[12])

local f = assert(io.open("/tmp/sole-lua.txt", "w"))
f:write("line one\nline two\n")
f:close()
local lines = 0
for _ in io.lines("/tmp/sole-lua.txt") do lines = lines + 1 end
os.remove("/tmp/sole-lua.txt")
print("io: " .. lines .. " lines")
print("os: " .. tostring(os.time() > 1700000000) .. " " .. tostring(os.getenv("HOME")))
print("done")

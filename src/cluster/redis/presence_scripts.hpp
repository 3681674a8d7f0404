#pragma once
// The keys and Lua scripts of RedisPresence. Each change to a scope is one atomic script on that scope's
// keys, which share the hash tag {presence:<scope>} so that on a Redis Cluster they live in one slot.
// Keys (P = the prefix, "parley:"):
//   P{presence:<scope>}:conns      HASH connection -> user id       (one field per connection in the scope)
//   P{presence:<scope>}:users      HASH user id -> connection count  (HLEN = distinct users: the member count)
//   P{presence:<scope>}:names      HASH user id -> username
//   P{presence:<scope>}:node:<id>  SET  "<connection>\n<user id>"   (what to drop from the scope if the node dies)
//   P{node:<id>}:scopes            SET  scopes where the node has had connections
//   P{node:<id>}:alive             STRING with a TTL, refreshed by the node's heartbeat
//   P{nodes}                       SET  node ids seen alive
// Scopes are room names or "" (online anywhere); none holds a newline.
namespace parley::cluster::redis::presence_lua {

// KEYS conns, users, names, node entries; ARGV connection, user id, username, entry. Answers 1 for the
// user's first connection in the scope.
inline constexpr const char* join = R"lua(
redis.call('HSET', KEYS[3], ARGV[2], ARGV[3])
if redis.call('HSETNX', KEYS[1], ARGV[1], ARGV[2]) == 0 then return 0 end
redis.call('SADD', KEYS[4], ARGV[4])
if redis.call('HINCRBY', KEYS[2], ARGV[2], 1) == 1 then return 1 end
return 0
)lua";

// KEYS conns, users, names, node entries; ARGV connection, user id, entry. Answers 1 when it was the
// user's last connection in the scope.
inline constexpr const char* leave = R"lua(
redis.call('SREM', KEYS[4], ARGV[3])
if redis.call('HDEL', KEYS[1], ARGV[1]) == 0 then return 0 end
if redis.call('HINCRBY', KEYS[2], ARGV[2], -1) <= 0 then
  redis.call('HDEL', KEYS[2], ARGV[2])
  redis.call('HDEL', KEYS[3], ARGV[2])
  return 1
end
return 0
)lua";

// KEYS users, names. Answers [id, name, id, name, ...].
inline constexpr const char* members = R"lua(
local out = {}
for _, id in ipairs(redis.call('HKEYS', KEYS[1])) do
  out[#out + 1] = id
  out[#out + 1] = redis.call('HGET', KEYS[2], id) or ''
end
return out
)lua";

// Drops one node's connections from one scope. KEYS conns, users, names, node entries. Answers
// [user id, username, ...] for each user whose last connection in the scope went. Two nodes reaping the
// same dead node at once report each departure once: the entries go in the same atomic step.
inline constexpr const char* forget_scope = R"lua(
local out = {}
for _, e in ipairs(redis.call('SMEMBERS', KEYS[4])) do
  local conn, uid = string.match(e, '^(.*)\n(%d+)$')
  if conn and redis.call('HDEL', KEYS[1], conn) == 1 then
    if redis.call('HINCRBY', KEYS[2], uid, -1) <= 0 then
      redis.call('HDEL', KEYS[2], uid)
      out[#out + 1] = uid
      out[#out + 1] = redis.call('HGET', KEYS[3], uid) or ''
      redis.call('HDEL', KEYS[3], uid)
    end
  end
end
redis.call('DEL', KEYS[4])
return out
)lua";

// Makes one node's entries in one scope exactly what the node holds, in one atomic step (so no count dips
// while a node rewrites its entries after a reconnect or failover). KEYS conns, users, names, node entries;
// ARGV n, then n triples (connection, user id, username) the node holds in the scope, then user ids whose
// connection count to answer. Answers {departed [user id, username, ...] (users whose last connection was a
// stale entry of the node), arrived [user id, ...] (users who had no connection before), counts [...]}.
inline constexpr const char* sync = R"lua(
local n = tonumber(ARGV[1])
local want = {}
for i = 2, 1 + 3 * n, 3 do want[ARGV[i] .. '\n' .. ARGV[i + 1]] = i end
local departed = {}
for _, e in ipairs(redis.call('SMEMBERS', KEYS[4])) do
  if not want[e] then
    redis.call('SREM', KEYS[4], e)
    local conn, uid = string.match(e, '^(.*)\n(%d+)$')
    if conn and redis.call('HGET', KEYS[1], conn) == uid then
      redis.call('HDEL', KEYS[1], conn)
      if redis.call('HINCRBY', KEYS[2], uid, -1) <= 0 then
        redis.call('HDEL', KEYS[2], uid)
        departed[#departed + 1] = uid
        departed[#departed + 1] = redis.call('HGET', KEYS[3], uid) or ''
        redis.call('HDEL', KEYS[3], uid)
      end
    end
  end
end
local arrived = {}
for e, i in pairs(want) do
  local conn, uid = ARGV[i], ARGV[i + 1]
  redis.call('HSET', KEYS[3], uid, ARGV[i + 2])
  if redis.call('HSETNX', KEYS[1], conn, uid) == 1 then
    if redis.call('HINCRBY', KEYS[2], uid, 1) == 1 then arrived[#arrived + 1] = uid end
  end
  if redis.call('HGET', KEYS[1], conn) == uid then redis.call('SADD', KEYS[4], e) end
end
local counts = {}
for i = 2 + 3 * n, #ARGV do counts[#counts + 1] = tonumber(redis.call('HGET', KEYS[2], ARGV[i]) or '0') end
return {departed, arrived, counts}
)lua";

}  // namespace parley::cluster::redis::presence_lua

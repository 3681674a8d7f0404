#pragma once
// The Lua scripts of RedisPresence: each multi-key change is one atomic script.
// Keys (P = the prefix, "parley:"):
//   P presence:<scope>:conns  HASH connection -> user id        (one field per connection in the scope)
//   P presence:<scope>:users  HASH user id -> connection count   (HLEN = distinct users: the member count)
//   P presence:names          HASH user id -> username
//   P node:<id>:entries       SET  "<scope>\n<connection>\n<user id>" (what to drop when the node dies)
//   P node:<id>:alive         STRING with a TTL, refreshed by the node's heartbeat
//   P nodes                   SET  node ids seen alive
// Scopes are room names or "" (online anywhere); none holds a newline.
namespace parley::cluster::redis::presence_lua {

// KEYS conns, users, names, entries; ARGV connection, user id, username, entry. Answers 1 for the user's
// first connection in the scope.
inline constexpr const char* join = R"lua(
redis.call('HSET', KEYS[3], ARGV[2], ARGV[3])
if redis.call('HSETNX', KEYS[1], ARGV[1], ARGV[2]) == 0 then return 0 end
redis.call('SADD', KEYS[4], ARGV[4])
if redis.call('HINCRBY', KEYS[2], ARGV[2], 1) == 1 then return 1 end
return 0
)lua";

// KEYS conns, users, entries; ARGV connection, user id, entry. Answers 1 when it was the user's last.
inline constexpr const char* leave = R"lua(
redis.call('SREM', KEYS[3], ARGV[3])
if redis.call('HDEL', KEYS[1], ARGV[1]) == 0 then return 0 end
if redis.call('HINCRBY', KEYS[2], ARGV[2], -1) <= 0 then
  redis.call('HDEL', KEYS[2], ARGV[2])
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

// KEYS: the users hash of each scope. Answers the HLEN of each.
inline constexpr const char* counts = R"lua(
local out = {}
for i, k in ipairs(KEYS) do out[i] = redis.call('HLEN', k) end
return out
)lua";

// Drops every connection of a node. KEYS entries, alive, nodes, names; ARGV prefix, node id, only_if_dead.
// With only_if_dead = 1 it does nothing while the node's heartbeat lives, and forgets the node id too.
// Answers [scope, user id, username, ...] for each user whose last connection in a scope went.
inline constexpr const char* forget_node = R"lua(
if ARGV[3] == '1' and redis.call('EXISTS', KEYS[2]) == 1 then return {} end
local out = {}
for _, e in ipairs(redis.call('SMEMBERS', KEYS[1])) do
  local scope, conn, uid = string.match(e, '^(.-)\n(.*)\n(%d+)$')
  if scope then
    local conns = ARGV[1] .. 'presence:' .. scope .. ':conns'
    local users = ARGV[1] .. 'presence:' .. scope .. ':users'
    if redis.call('HDEL', conns, conn) == 1 then
      if redis.call('HINCRBY', users, uid, -1) <= 0 then
        redis.call('HDEL', users, uid)
        out[#out + 1] = scope
        out[#out + 1] = uid
        out[#out + 1] = redis.call('HGET', KEYS[4], uid) or ''
      end
    end
  end
end
redis.call('DEL', KEYS[1])
if ARGV[3] == '1' then redis.call('SREM', KEYS[3], ARGV[2]) end
return out
)lua";

}  // namespace parley::cluster::redis::presence_lua

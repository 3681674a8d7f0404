# shellcheck shell=bash
# Throwaway Redis Clusters on loopback for tests and local runs. Source this file, then:
#   redis_cluster_start DIR PRIMARIES   starts 2×PRIMARIES redis-server processes (cluster mode, no persistence)
#                  on free loopback ports below 32768 (client and cluster-bus port both: the default bus port,
#                  port+10000, would land in the ephemeral range), joins them with `redis-cli --cluster create
#                  --cluster-replicas 1`, and waits (bounded) until every node says cluster_state:ok, all 16384
#                  slots are covered and every replica's link to its primary is up. Pidfiles
#                  (redis-PORT.pid), logs (redis-PORT.log) and node configs (nodes-PORT.conf) go to DIR; the
#                  client ports, space separated, to DIR/ports; exports
#                  REDIS_CLUSTER_URL=redis-cluster://127.0.0.1:P1,127.0.0.1:P2,... (also written to DIR/url).
#   redis_cluster_stop DIR   shuts every node of DIR down (SHUTDOWN NOSAVE, then SIGKILL, bounded), removes
#                  the files redis_cluster_start made in DIR and DIR itself if that leaves it empty.
# Environment: PARLEY_REDIS_CLUSTER_NODE_TIMEOUT (cluster-node-timeout in ms, default 1500),
# REDIS_CLUSTER_START_TIMEOUT (seconds, default 30).

REDIS_CLUSTER_START_TIMEOUT="${REDIS_CLUSTER_START_TIMEOUT:-30}"

_rc_log() { echo "redis-cluster.sh: $*" >&2; }

# Answers 0 when nothing listens on 127.0.0.1:$1.
_rc_port_is_free() {
  ! (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null
}

# Prints a port of 20000..31999 that is free now and not handed out before in DIR ($1/taken).
_rc_free_port() {
  local dir="$1" port
  for _ in $(seq 1 100); do
    port=$((20000 + RANDOM % 12000))
    if _rc_port_is_free "$port" && ! grep -qx "$port" "$dir/taken" 2>/dev/null; then
      echo "$port" >>"$dir/taken"
      echo "$port"
      return 0
    fi
  done
  _rc_log "no free port found"
  return 1
}

# Answers 0 when pid $1 is alive and is the redis-server of port $2 (a pidfile left by kill -9 may name a
# pid that was reused since).
_rc_is_node() {
  local cmdline
  cmdline="$(tr '\0' ' ' <"/proc/$1/cmdline" 2>/dev/null)" || return 1
  [[ "$cmdline" == redis-server*":$2"* ]]
}

# Starts one cluster node in DIR on a free port (retried: another process may take the port between the
# check and the bind) and prints its port once it answers PING.
_rc_start_node() {
  local dir="$1" port bus attempt
  for attempt in 1 2 3 4 5; do
    port="$(_rc_free_port "$dir")" && bus="$(_rc_free_port "$dir")" || return 1
    redis-server --port "$port" --cluster-port "$bus" --bind 127.0.0.1 \
      --cluster-enabled yes --cluster-config-file "$dir/nodes-$port.conf" \
      --cluster-node-timeout "${PARLEY_REDIS_CLUSTER_NODE_TIMEOUT:-1500}" \
      --save '' --appendonly no --daemonize yes --dir "$dir" \
      --pidfile "$dir/redis-$port.pid" --logfile "$dir/redis-$port.log" >/dev/null || return 1
    local deadline=$((SECONDS + 5))
    until redis-cli -p "$port" ping 2>/dev/null | grep -qx PONG; do
      if [ "$SECONDS" -ge "$deadline" ]; then
        _rc_log "node on port $port did not start (attempt $attempt), see $dir/redis-$port.log"
        [ -f "$dir/redis-$port.pid" ] && _rc_is_node "$(cat "$dir/redis-$port.pid")" "$port" &&
          kill -KILL "$(cat "$dir/redis-$port.pid")" 2>/dev/null
        rm -f "$dir/redis-$port.pid" "$dir/nodes-$port.conf"
        continue 2
      fi
      sleep 0.1
    done
    echo "$port"
    return 0
  done
  return 1
}

# Answers 0 when node $1 has a complete slot map and, if it is a replica, its link to the primary is up.
_rc_node_ready() {
  local info
  info="$(redis-cli -p "$1" cluster info 2>/dev/null | tr -d '\r')" || return 1
  grep -qx 'cluster_state:ok' <<<"$info" && grep -qx 'cluster_slots_ok:16384' <<<"$info" || return 1
  info="$(redis-cli -p "$1" info replication 2>/dev/null | tr -d '\r')" || return 1
  grep -qx 'role:master' <<<"$info" || grep -qx 'master_link_status:up' <<<"$info"
}

redis_cluster_start() {
  local dir="$1" primaries="${2:-}"
  if [ -z "$dir" ] || ! [[ "$primaries" =~ ^[1-9][0-9]*$ ]]; then
    echo "usage: redis_cluster_start DIR PRIMARIES" >&2
    return 2
  fi
  if [ "$primaries" -lt 3 ]; then
    _rc_log "Redis Cluster needs at least 3 primaries"
    return 2
  fi
  mkdir -p "$dir" || return 1
  dir="$(cd "$dir" && pwd)"
  : >"$dir/taken"
  local ports=() port
  for _ in $(seq 1 $((2 * primaries))); do
    port="$(_rc_start_node "$dir")" || { _rc_log "could not start a node"; return 1; }
    ports+=("$port")
    echo "${ports[*]}" >"$dir/ports"  # as we go, so redis_cluster_stop finds them after a failure
  done
  local addrs=()
  for port in "${ports[@]}"; do addrs+=("127.0.0.1:$port"); done
  if ! redis-cli --cluster create "${addrs[@]}" --cluster-replicas 1 --cluster-yes >"$dir/create.log" 2>&1; then
    _rc_log "redis-cli --cluster create failed, see $dir/create.log:"
    tail -n 5 "$dir/create.log" >&2
    return 1
  fi
  local deadline=$((SECONDS + REDIS_CLUSTER_START_TIMEOUT))
  for port in "${ports[@]}"; do
    until _rc_node_ready "$port"; do
      if [ "$SECONDS" -ge "$deadline" ]; then
        _rc_log "node $port not ready after ${REDIS_CLUSTER_START_TIMEOUT}s:"
        redis-cli -p "$port" cluster info 2>&1 | head -n 3 >&2
        return 1
      fi
      sleep 0.1
    done
  done
  local IFS=,
  export REDIS_CLUSTER_URL="redis-cluster://${addrs[*]}"
  echo "$REDIS_CLUSTER_URL" >"$dir/url"
}

redis_cluster_stop() {
  local dir="$1"
  if [ -z "$dir" ] || [ ! -d "$dir" ]; then
    return 0
  fi
  local f port pid
  for f in "$dir"/redis-*.pid; do
    [ -e "$f" ] || continue
    port="${f##*/redis-}"
    port="${port%.pid}"
    pid="$(cat "$f")"
    if _rc_is_node "$pid" "$port"; then
      timeout 5 redis-cli -p "$port" shutdown nosave >/dev/null 2>&1 || true
      for _ in $(seq 1 50); do _rc_is_node "$pid" "$port" || break; sleep 0.1; done
      _rc_is_node "$pid" "$port" && kill -KILL "$pid" 2>/dev/null
    fi
    rm -f "$f"
  done
  for port in $(cat "$dir/taken" 2>/dev/null); do
    rm -f "$dir/redis-$port.log" "$dir/nodes-$port.conf"
  done
  rm -f "$dir/taken" "$dir/ports" "$dir/url" "$dir/create.log" "$dir/dump.rdb" "$dir"/temp-*.rdb
  rmdir "$dir" 2>/dev/null || true
}

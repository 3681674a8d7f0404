# shellcheck shell=bash
# Throwaway PostgreSQL clusters for tests and local runs. Source this file, then:
#   pg_start DIR   initdb into DIR (as the `postgres` OS user when run as root: PostgreSQL refuses to run as
#                  root), pick a free loopback port, trust auth, unix socket in DIR, start, wait until ready and
#                  export PARLEY_TEST_POSTGRES_URL=postgres://postgres@127.0.0.1:PORT/postgres. The URL is also
#                  written to DIR/url and the port to DIR/port.
#   pg_pause DIR   stops the server (fast shutdown) but keeps its data and port.
#   pg_resume DIR  starts a paused server again on the same port and waits until ready.
#   pg_stop DIR    stops the server (if running) and removes DIR.
# Environment: PG_BIN (default /usr/lib/postgresql/15/bin), PG_START_TIMEOUT (seconds, default 30).

PG_BIN="${PG_BIN:-/usr/lib/postgresql/15/bin}"
PG_START_TIMEOUT="${PG_START_TIMEOUT:-30}"

# Runs a command as the postgres OS user when we are root, as ourselves otherwise.
_pg_as_owner() {
  if [ "$(id -u)" -eq 0 ]; then
    runuser -u postgres -- "$@"
  else
    "$@"
  fi
}

# Answers 0 when nothing listens on 127.0.0.1:$1.
_pg_port_is_free() {
  ! (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null
}

# Prints a port that is free right now (a later bind may still lose a race: pg_start retries).
_pg_free_port() {
  local port
  for _ in $(seq 1 50); do
    port=$((20000 + RANDOM % 40000))
    if _pg_port_is_free "$port"; then
      echo "$port"
      return 0
    fi
  done
  echo "postgres.sh: no free port found" >&2
  return 1
}

# Starts the server of DIR on port $2 and waits (bounded) until it accepts connections.
_pg_ctl_start() {
  local dir="$1" port="$2"
  _pg_as_owner "$PG_BIN/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w -t "$PG_START_TIMEOUT" \
    -o "-p $port -c listen_addresses=127.0.0.1 -c unix_socket_directories=$dir" start >/dev/null || return 1
  local deadline=$((SECONDS + PG_START_TIMEOUT))
  until "$PG_BIN/pg_isready" -q -h 127.0.0.1 -p "$port" -U postgres; do
    if [ "$SECONDS" -ge "$deadline" ]; then
      echo "postgres.sh: server in $dir not ready after ${PG_START_TIMEOUT}s" >&2
      return 1
    fi
    sleep 0.1
  done
}

pg_start() {
  local dir="$1"
  if [ -z "$dir" ]; then
    echo "usage: pg_start DIR" >&2
    return 2
  fi
  mkdir -p "$dir" || return 1
  dir="$(cd "$dir" && pwd)"
  if [ "$(id -u)" -eq 0 ]; then
    chown postgres: "$dir" || return 1
  fi
  if ! _pg_as_owner "$PG_BIN/initdb" -D "$dir/data" -U postgres --auth=trust --encoding=UTF8 --locale=C.UTF-8 --no-sync \
      >"$dir/initdb.log" 2>&1; then
    echo "postgres.sh: initdb failed, see $dir/initdb.log:" >&2
    tail -n 5 "$dir/initdb.log" >&2
    return 1
  fi
  local port attempt
  for attempt in 1 2 3 4 5; do
    port="$(_pg_free_port)" || return 1
    if _pg_ctl_start "$dir" "$port"; then
      echo "$port" >"$dir/port"
      export PARLEY_TEST_POSTGRES_URL="postgres://postgres@127.0.0.1:$port/postgres"
      echo "$PARLEY_TEST_POSTGRES_URL" >"$dir/url"
      return 0
    fi
    # The port may have been taken between the check and the bind: try another one.
    _pg_as_owner "$PG_BIN/pg_ctl" -D "$dir/data" -m immediate stop >/dev/null 2>&1
  done
  echo "postgres.sh: cannot start postgres in $dir, see $dir/server.log:" >&2
  tail -n 5 "$dir/server.log" >&2
  return 1
}

pg_pause() {
  local dir="$1"
  _pg_as_owner "$PG_BIN/pg_ctl" -D "$dir/data" -m fast -w stop >/dev/null
}

pg_resume() {
  local dir="$1"
  _pg_ctl_start "$dir" "$(cat "$dir/port")"
}

pg_stop() {
  local dir="$1"
  if [ -z "$dir" ] || [ ! -d "$dir" ]; then
    return 0
  fi
  if [ -f "$dir/data/postmaster.pid" ]; then
    _pg_as_owner "$PG_BIN/pg_ctl" -D "$dir/data" -m fast -w -t 30 stop >/dev/null 2>&1 ||
      _pg_as_owner "$PG_BIN/pg_ctl" -D "$dir/data" -m immediate stop >/dev/null 2>&1
  fi
  rm -rf "$dir"
}

# A throwaway PostgreSQL cluster for the test suite, from Debian's packages. Sourced.
# start_postgres sets TEST_DATABASE_URL; stop_postgres removes the cluster.

PG_DIR=""
PG_PORT=""

_pg_bin() {
  ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1
}

_as_pg_user() {
  # PostgreSQL refuses to run as root; root runs it as the postgres system user.
  if [ "$(id -u)" -eq 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi
}

start_postgres() {
  local bin
  bin="$(_pg_bin)"
  [ -n "$bin" ] || { echo "mayfly: PostgreSQL binaries not found" >&2; return 1; }
  PG_DIR="$(mktemp -d -t mayfly-pg.XXXXXX)"
  PG_PORT="$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')"
  [ "$(id -u)" -eq 0 ] && chown postgres "$PG_DIR"
  _as_pg_user "$bin/initdb" -D "$PG_DIR/data" -U mayfly --auth=trust -E UTF8 >/dev/null
  local options="-p $PG_PORT -k $PG_DIR -c listen_addresses=127.0.0.1 -c fsync=off"
  _as_pg_user "$bin/pg_ctl" -D "$PG_DIR/data" -l "$PG_DIR/log" -w -o "$options" start >/dev/null
  # The outage test stops and restarts this server with the same options.
  export TEST_PG_CTL="$bin/pg_ctl" TEST_PG_DATA="$PG_DIR/data" TEST_PG_OPTIONS="$options"
  export TEST_PG_LOG="$PG_DIR/log"
  _as_pg_user "$bin/createdb" -h 127.0.0.1 -p "$PG_PORT" -U mayfly mayfly_test
  export TEST_DATABASE_URL="postgresql+psycopg://mayfly@127.0.0.1:$PG_PORT/mayfly_test"
}

stop_postgres() {
  [ -n "$PG_DIR" ] || return 0
  _as_pg_user "$(_pg_bin)/pg_ctl" -D "$PG_DIR/data" -m fast stop >/dev/null 2>&1 || true
  rm -rf "$PG_DIR"
  PG_DIR=""
}

# PostgreSQL for tests and local clusters: Debian's postgresql-15, run as the postgres user (initdb and
# postgres refuse root), listening on loopback only. Source it after common.sh; do not run it.
# shellcheck shell=bash

CODERMON_PG_BIN=${CODERMON_PG_BIN:-/usr/lib/postgresql/15/bin}

# Installs Debian's postgresql-15 if its binaries are missing. The package's own cluster is not used:
# start_postgres makes one of its own per directory.
ensure_postgres() {
  if [ ! -x "$CODERMON_PG_BIN/postgres" ]; then
    apt_install postgresql-15 || die "cannot install postgresql-15 (the store's tests need it)"
  fi
  [ -x "$CODERMON_PG_BIN/postgres" ] || die "no PostgreSQL at $CODERMON_PG_BIN after installing postgresql-15"
}

# pg_as_postgres CMD...: runs a PostgreSQL binary as the postgres user when this is root.
pg_as_postgres() {
  if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi
}

# start_postgres DIR PORT [PASSWORD]: makes a cluster in DIR/data if there is none (superuser postgres
# with PASSWORD, default "codermon", scram-sha-256 over TCP, peer on its socket) and starts it on 127.0.0.1:PORT, its socket
# and log in DIR (its parents must be searchable by the postgres user). Waits until it accepts connections.
start_postgres() {
  local dir=$1 port=$2 password=${3:-codermon}
  [ -n "$dir" ] && [ -n "$port" ] || die "usage: start_postgres DIR PORT [PASSWORD]"
  ensure_postgres
  mkdir -p "$dir"
  if [ ! -f "$dir/data/PG_VERSION" ]; then
    printf '%s\n' "$password" > "$dir/pwfile"
    [ "$(id -u)" = 0 ] && chown -R postgres:postgres "$dir"
    pg_as_postgres test -w "$dir" \
      || die "the postgres user cannot write $dir: its parent directories must be searchable (o+x) by it"
    pg_as_postgres "$CODERMON_PG_BIN/initdb" -D "$dir/data" -U postgres --auth-host=scram-sha-256 --auth-local=peer \
      --pwfile="$dir/pwfile" -E UTF8 --locale=C >"$dir/initdb.log" 2>&1 \
      || { rm -f "$dir/pwfile"; cat "$dir/initdb.log" >&2; die "initdb failed in $dir/data"; }
    rm -f "$dir/pwfile"
  fi
  pg_as_postgres "$CODERMON_PG_BIN/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w -t 30 \
    -o "-p $port -k $dir -c listen_addresses=127.0.0.1" start >/dev/null \
    || { tail -n 20 "$dir/server.log" >&2; die "PostgreSQL did not start on 127.0.0.1:$port"; }
  say "PostgreSQL on 127.0.0.1:$port (data $dir/data, log $dir/server.log)"
}

# stop_postgres DIR: stops the cluster started by start_postgres (fast: sessions are ended). Quiet if
# it is not running.
stop_postgres() {
  local dir=$1
  [ -f "$dir/data/postmaster.pid" ] || return 0
  pg_as_postgres "$CODERMON_PG_BIN/pg_ctl" -D "$dir/data" -m fast -w -t 30 stop >/dev/null || true
}

# psql_postgres DIR PORT SQL...: runs SQL as the superuser over the cluster's unix socket.
psql_postgres() {
  local dir=$1 port=$2; shift 2
  pg_as_postgres "$CODERMON_PG_BIN/psql" -h "$dir" -p "$port" -U postgres -d postgres -v ON_ERROR_STOP=1 -qAt "$@"
}

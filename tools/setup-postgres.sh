#!/usr/bin/env bash
# Starts a throwaway PostgreSQL server on loopback for the SQL import tests
# (tests/test_sqlsource.py reads the same rows from PostgreSQL, SQLite and CSV).
#
# Installs Debian's `postgresql` with apt-get when its binaries are missing, makes a cluster
# in a fixed scratch folder, starts it on 127.0.0.1 and writes its SQLAlchemy URL to
# $ENGAGERULES_PG_DIR/url, which the tests read (a setup script's environment does not reach
# pytest). Idempotent: a second run finds the server running and reuses it. test.sh runs
# every tools/setup-*.sh; in CI (CI=true) a server that cannot be started is an error, because
# the PostgreSQL tests must never skip there.
set -euo pipefail

dir=${ENGAGERULES_PG_DIR:-/tmp/engagerules-postgres}
data=$dir/data
url_file=$dir/url
database=engagerules_test

fail() {
  if [ "${CI:-}" = "true" ]; then
    echo "setup-postgres: $1 (PostgreSQL is required in CI)" >&2
    exit 1
  fi
  echo "setup-postgres: $1; the PostgreSQL tests will be skipped" >&2
  rm -f "$url_file"
  exit 0
}

have() { command -v "$1" >/dev/null 2>&1; }

bindir() {
  local found
  found=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1 || true)
  if [ -n "$found" ] && [ -x "$found/initdb" ]; then
    echo "$found"
  elif have initdb && have pg_ctl; then
    dirname "$(command -v initdb)"
  fi
}

bin=$(bindir)
if [ -z "$bin" ]; then
  if have apt-get && [ "$(id -u)" = "0" ]; then
    echo "setup-postgres: installing postgresql" >&2
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq
    apt-get install -y -qq --no-install-recommends postgresql >/dev/null
    bin=$(bindir)
  fi
  [ -n "$bin" ] || fail "initdb and pg_ctl not found (install the Debian package postgresql)"
fi

# The server refuses to run as root: as root, the cluster belongs to the postgres user.
if [ "$(id -u)" = "0" ]; then
  id postgres >/dev/null 2>&1 || useradd --system --home-dir "$dir" postgres
  as_owner() { runuser -u postgres -- "$@"; }
  owner=postgres
else
  as_owner() { "$@"; }
  owner=$(id -un)
fi

mkdir -p "$dir"
chmod 755 "$dir"
chown "$owner" "$dir"

if as_owner "$bin/pg_ctl" -D "$data" status >/dev/null 2>&1 && [ -s "$url_file" ]; then
  exit 0  # already running: reuse it
fi

if [ ! -s "$data/PG_VERSION" ]; then
  rm -rf "$data"
  as_owner "$bin/initdb" -D "$data" -U postgres --auth=trust --encoding=UTF8 --locale=C.UTF-8 \
    >"$dir/initdb.log" 2>&1 || fail "initdb failed (see $dir/initdb.log)"
fi

# A free port on loopback, chosen once and kept with the cluster.
if [ ! -s "$dir/port" ]; then
  port=54329
  while (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; do
    port=$((port + 1))
  done
  echo "$port" >"$dir/port"
fi
port=$(cat "$dir/port")

# Not running: a lock file left by a server that was killed (a session's end) is stale, and
# its process id may since belong to another process, which would stop the server starting.
rm -f "$data/postmaster.pid"
as_owner "$bin/pg_ctl" -D "$data" -l "$dir/server.log" -w -t 60 start \
  -o "-c listen_addresses=127.0.0.1 -c port=$port -c unix_socket_directories=$dir -c fsync=off" \
  >/dev/null || fail "the server did not start (see $dir/server.log)"

if ! as_owner "$bin/psql" -h 127.0.0.1 -p "$port" -U postgres -d postgres -tAc \
  "SELECT 1 FROM pg_database WHERE datname = '$database'" | grep -q 1; then
  as_owner "$bin/createdb" -h 127.0.0.1 -p "$port" -U postgres "$database" ||
    fail "createdb $database failed"
fi

echo "postgresql+psycopg://postgres@127.0.0.1:$port/$database" >"$url_file"
echo "setup-postgres: PostgreSQL on 127.0.0.1:$port ($url_file)" >&2

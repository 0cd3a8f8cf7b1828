#!/usr/bin/env bash
# Starts a throwaway PostgreSQL server for the storage tests and prints its SQLAlchemy URL.
# Installs Debian's postgresql package first if the machine has none.
set -euo pipefail
port=${BAYPLAN_PG_PORT:-55432}
dir=${BAYPLAN_PG_DIR:-/tmp/bayplan-pg}
bin=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1 || true)
if [ -z "$bin" ]; then
  { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql; } >&2
  bin=$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -n 1)
fi
as_owner=()
if [ "$(id -u)" = 0 ]; then
  as_owner=(runuser -u postgres --)  # the server refuses to run as root
fi
if ! "${as_owner[@]}" "$bin/pg_ctl" -D "$dir" status >/dev/null 2>&1; then
  rm -rf "$dir"
  mkdir -p "$dir"
  [ "$(id -u)" = 0 ] && chown postgres "$dir"
  "${as_owner[@]}" "$bin/initdb" -D "$dir" -A trust -U bayplan >/dev/null
  "${as_owner[@]}" "$bin/pg_ctl" -D "$dir" -l "$dir/server.log" -w \
    -o "-p $port -k $dir -c listen_addresses=127.0.0.1 -c fsync=on" start >/dev/null
fi
echo "postgresql+psycopg://bayplan@127.0.0.1:$port/postgres"

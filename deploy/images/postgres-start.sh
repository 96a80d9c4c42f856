#!/bin/sh
# The PostgreSQL image's start: on an empty data folder, a cluster whose superuser `dsf` signs in
# with POSTGRES_PASSWORD (scram-sha-256 over TCP), with the databases named in
# POSTGRES_DATABASES (default: dsf letta), each with pgvector; then the server as `postgres`,
# listening on every address of the pod on port 5432.
set -eu
: "${POSTGRES_PASSWORD:?set POSTGRES_PASSWORD, the password of the database user dsf}"
data=$PGDATA
as_postgres() { setpriv --reuid=postgres --regid=postgres --init-groups "$@"; }

mkdir -p "$data"
chown postgres:postgres "$data"
chmod 0700 "$data"
if [ ! -s "$data/PG_VERSION" ]; then
  password_file=$(mktemp)
  printf '%s\n' "$POSTGRES_PASSWORD" >"$password_file"
  chown postgres "$password_file"
  as_postgres initdb -D "$data" -U dsf --pwfile="$password_file" --auth-local=trust \
    --auth-host=scram-sha-256 --encoding=UTF8 --locale=C.UTF-8 --no-instructions
  rm -f "$password_file"
  echo "host all all all scram-sha-256" >>"$data/pg_hba.conf"
  as_postgres pg_ctl -D "$data" -o "-c listen_addresses='' -c unix_socket_directories=/tmp" -w start
  for database in ${POSTGRES_DATABASES:-dsf letta}; do
    as_postgres psql -h /tmp -U dsf -d postgres -v ON_ERROR_STOP=1 -qc "CREATE DATABASE \"$database\""
    as_postgres psql -h /tmp -U dsf -d "$database" -v ON_ERROR_STOP=1 -qc "CREATE EXTENSION vector"
  done
  as_postgres pg_ctl -D "$data" -m fast -w stop
fi
exec setpriv --reuid=postgres --regid=postgres --init-groups \
  postgres -D "$data" -c listen_addresses='*' -c unix_socket_directories=/tmp

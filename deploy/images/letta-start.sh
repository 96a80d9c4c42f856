#!/bin/sh
# The Letta image's start: its database migrated to this server's schema (alembic, from the
# source distribution; the server never creates its tables itself), then the server on 8283.
# LETTA_PG_SSLMODE (disable, require, verify-full…) goes to the server's connections only: the
# migrations' driver refuses the parameter, and the server's fails outright on a PostgreSQL
# without TLS unless told `disable`.
set -eu
: "${LETTA_PG_URI:?set LETTA_PG_URI to the Letta database, postgresql://user:password@host:5432/letta}"
letta=/app/.dsf/tools/letta
cd "$letta"/letta-*/
"$letta/venv/bin/alembic" upgrade head
if [ -n "${LETTA_PG_SSLMODE:-}" ]; then
  case "$LETTA_PG_URI" in *\?*) separator='&' ;; *) separator='?' ;; esac
  LETTA_PG_URI="$LETTA_PG_URI${separator}sslmode=$LETTA_PG_SSLMODE"
  export LETTA_PG_URI
fi
cd "$LETTA_DIR"
exec "$letta/venv/bin/letta" server --host 0.0.0.0 --port 8283

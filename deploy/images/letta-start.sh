#!/bin/sh
# The Letta image's start: its database migrated to this server's schema (alembic, from the
# source distribution; the server never creates its tables itself), then the server on 8283.
set -eu
: "${LETTA_PG_URI:?set LETTA_PG_URI to the Letta database, postgresql://user:password@host:5432/letta}"
letta=/app/.dsf/tools/letta
cd "$letta"/letta-*/
"$letta/venv/bin/alembic" upgrade head
cd "$LETTA_DIR"
exec "$letta/venv/bin/letta" server --host 0.0.0.0 --port "${LETTA_PORT:-8283}"

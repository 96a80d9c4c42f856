#!/usr/bin/env bash
# Sets up what is missing and starts everything Deep Sci-Fi needs on local defaults:
# PostgreSQL + pgvector, an S3 server, the Letta server, and the app (prod, one port).
# Safe to re-run; services configured in .env / the environment are used instead.
set -euo pipefail
cd "$(dirname "$0")"

venv=.venv
if [ ! -x "$venv/bin/python" ]; then
  echo "Creating the app's virtual environment in $venv"
  python3 -m venv "$venv"
fi
stamp="$venv/.requirements.sha256"
want=$(sha256sum requirements.txt | cut -d' ' -f1)
if [ "$(cat "$stamp" 2>/dev/null)" != "$want" ]; then
  echo "Installing Python packages (requirements.txt)"
  "$venv/bin/python" -m pip install --quiet --disable-pip-version-check -r requirements.txt
  echo "$want" > "$stamp"
fi

echo "Starting Deep Sci-Fi services:"
exec "$venv/bin/python" -m dsf_app.devstack up

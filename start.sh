#!/usr/bin/env bash
# Sets up what is missing and starts everything Deep Sci-Fi needs on local defaults:
# PostgreSQL + pgvector, an S3 server, the Letta server, and the app (prod, one port).
# Safe to re-run; services configured in .env / the environment are used instead.
set -euo pipefail
cd "$(dirname "$0")"
source scripts/venv.sh
echo "Starting Deep Sci-Fi services:"
exec .venv/bin/python -m dsf_app.devstack up

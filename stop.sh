#!/usr/bin/env bash
# Stops exactly what ./start.sh started (by the PIDs it recorded), cleanly.
set -euo pipefail
cd "$(dirname "$0")"
exec .venv/bin/python -m dsf_app.devstack down

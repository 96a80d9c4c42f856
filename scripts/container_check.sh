#!/usr/bin/env bash
# Builds the Dockerfile with podman (no Docker engine or registry needed: the base image comes
# from Debian's packages) and checks the container as a person would: /readyz answers, sign-up
# over HTTP, the worlds page and its load events over the Reflex websocket, and in Chromium a
# chat turn has an image generated that My images then shows (naturalWidth > 0); then a new
# container on the same data volume still knows the account. The model and the image API are
# the tests' fakes, on this machine's loopback, which the container reaches through its own
# network namespace (slirp4netns, 10.0.2.2). Prints the build time, the image size and the time
# to healthy. Run as root (it installs podman, runc, slirp4netns and debootstrap with apt when
# missing).
#
#   scripts/container_check.sh           reuse the cached base image and build layers
#   scripts/container_check.sh --fresh   rebuild the base image and every layer
#   scripts/container_check.sh -e KEY=VALUE …   also give the container these settings (e.g.
#       -e S3_PUBLIC_ENDPOINT_URL=http://127.0.0.1:59000 sends browsers to the S3 server
#       inside the container, which they cannot reach: the image check then fails)
#
# Package indexes come from this machine's own configuration (pip's index settings and
# certificate, npm's registry, Debian's apt sources), passed to the build as arguments.
set -eEuo pipefail
cd "$(dirname "$0")/.."

IMAGE=localhost/dsf:check
NAME="dsf-check-$$"
VOLUME="dsf-check-data-$$"
CHECK="container check"
FRESH=0
extra_env=()
while [ $# -gt 0 ]; do
  case "$1" in
    --fresh) FRESH=1 ;;
    -e) extra_env+=(-e "$2") && shift ;;
    *) echo "usage: $0 [--fresh] [-e KEY=VALUE]…" >&2 && exit 2 ;;
  esac
  shift
done

source scripts/podman_lib.sh
trap 'fail "line $LINENO: \`$BASH_COMMAND\` exited $?"' ERR

scratch=$(mktemp -d)
cleanup() {
  trap - ERR
  podman rm -f "$NAME" >/dev/null 2>&1 || true
  podman volume rm -f "$VOLUME" >/dev/null 2>&1 || true
  stop_fakes
  rm -rf "$scratch"
}
trap cleanup EXIT

source scripts/venv.sh

# Start a container on the data volume; sets HEALTHY_SECONDS once /readyz answers 200.
start_container() {
  local started deadline
  # Its own network namespace, its port published on this machine's loopback, which it reaches
  # at 10.0.2.2 (the fakes are there): no traffic leaves the loopback.
  podman run -d --name "$NAME" --network slirp4netns:allow_host_loopback=true \
    -p "127.0.0.1:$PORT:3000" -v "$VOLUME:/data" --env-file "$scratch/fakes.env" \
    -e "DSF_APP_URL=$URL" "${extra_env[@]}" "$IMAGE" >/dev/null
  started=$(date +%s)
  deadline=$((started + 900))
  until [ "$(curl -s -o /dev/null -w '%{http_code}' "$URL/readyz")" = 200 ]; do
    if [ "$(podman inspect -f '{{.State.Running}}' "$NAME")" != true ]; then
      fail "the container exited before /readyz answered; its output:"$'\n'"$(container_output)"
    fi
    [ "$(date +%s)" -lt $deadline ] ||
      fail "/readyz did not answer 200 in 900 s; the container's output:"$'\n'"$(container_output)"
    sleep 2
  done
  HEALTHY_SECONDS=$(seconds_since "$started")
  echo "container up: /readyz answered 200 after $HEALTHY_SECONDS s; its start-up:"
  startup_lines "$started"
}

# The container's output so far, each line with the seconds since the start: where the time
# to healthy went.
startup_lines() {
  local ts line
  podman logs -t "$NAME" 2>&1 | while read -r ts line; do
    printf '  %4s s %s\n' "$(($(date -d "$ts" +%s) - $1))" "$line"
  done
}

container_output() {
  podman logs --tail 40 "$NAME" 2>&1
  local data
  data=$(podman volume inspect -f '{{.Mountpoint}}' "$VOLUME")
  for log in "$data"/logs/*.log; do
    [ -f "$log" ] && printf '\n-- %s (last lines)\n%s\n' "${log#"$data"/}" "$(tail -15 "$log")"
  done
}

# SIGTERM (as `podman stop` and Docker send it) must stop every service cleanly, in time.
stop_container() {
  local code
  podman stop -t 90 "$NAME" >/dev/null
  code=$(podman inspect -f '{{.State.ExitCode}}' "$NAME")
  [ "$code" = 0 ] || fail "the container exited with code $code on SIGTERM:"$'\n'"$(container_output)"
  podman rm "$NAME" >/dev/null
  echo "container stopped cleanly on SIGTERM"
}

probe() { PYTHONPATH=. .venv/bin/python scripts/container_probe.py "$1" "$URL" "$scratch/account.json"; }

[ "$(id -u)" = 0 ] || fail "run as root: it installs packages with apt and runs podman"
step "Tools"
install_tools podman runc slirp4netns debootstrap
configure_podman
step "Base image"
build_base_image
step "Image"
build_image "$IMAGE" Dockerfile
size=$(podman image inspect -f '{{.Size}}' "$IMAGE")
step "The scripted model and the image API"
start_fakes "$scratch/fakes.env" 10.0.2.2

PORT=$(free_port)
URL="http://127.0.0.1:$PORT"
podman volume create "$VOLUME" >/dev/null
step "First start (empty data volume)"
start_container
first_healthy=$HEALTHY_SECONDS
probe first || fail "the first visit failed"
probe image || fail "the generated image did not show"
stop_container

step "Second start (a new container on the same volume)"
start_container
probe again || fail "the account did not survive the restart"
stop_container

step "Container check passed"
echo "image size:        $((size / 1000000)) MB"
echo "build:             $BUILD_SECONDS s"
echo "time to healthy:   $first_healthy s (empty volume), $HEALTHY_SECONDS s (restart)"
echo "whole check:       $SECONDS s"

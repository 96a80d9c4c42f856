#!/usr/bin/env bash
# Builds the Dockerfile with podman (no Docker engine or registry needed: the base image comes
# from Debian's packages) and checks the container as a person would: /readyz answers, sign-up
# over HTTP, the worlds page and its load events over the Reflex websocket; then a new container
# on the same data volume still knows the account. Prints the build time, the image size and the
# time to healthy. Run as root (it installs podman, runc and debootstrap with apt when missing).
#
#   scripts/container_check.sh           reuse the cached base image and build layers
#   scripts/container_check.sh --fresh   rebuild the base image and every layer
#
# Package indexes come from this machine's own configuration (pip's index settings and
# certificate, npm's registry, Debian's apt sources), passed to the build as arguments.
set -eEuo pipefail
cd "$(dirname "$0")/.."

BASE_IMAGE=localhost/debian:bookworm-min
IMAGE=localhost/dsf:check
NAME="dsf-check-$$"
VOLUME="dsf-check-data-$$"
FRESH=0
[ "${1:-}" = "--fresh" ] && FRESH=1

fail() {
  echo "container check FAILED: $*" >&2
  exit 1
}
trap 'fail "line $LINENO: \`$BASH_COMMAND\` exited $?"' ERR
step() { printf '\n== %s\n' "$*"; }
seconds_since() { echo $(($(date +%s) - $1)); }

scratch=$(mktemp -d)
cleanup() {
  trap - ERR
  podman rm -f "$NAME" >/dev/null 2>&1 || true
  podman volume rm -f "$VOLUME" >/dev/null 2>&1 || true
  rm -rf "$scratch"
}
trap cleanup EXIT

source scripts/venv.sh

install_tools() {
  local missing=()
  command -v podman >/dev/null || missing+=(podman)
  command -v runc >/dev/null || missing+=(runc)
  command -v debootstrap >/dev/null || missing+=(debootstrap)
  [ ${#missing[@]} -eq 0 ] && return
  echo "Installing ${missing[*]} with apt"
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
}

# What podman needs on these machines (runc: crun fails on hybrid cgroups; no default ulimits:
# they are refused), as a drop-in. A key the operator already set anywhere is left to them.
configure_podman() {
  local dir=/etc/containers/containers.conf.d own=/etc/containers/containers.conf.d/dsf.conf
  local others=(/etc/containers/containers.conf "$dir"/*.conf)
  set_elsewhere() { grep -qsE "^\s*$1\s*=" "${others[@]/$own/}"; }
  local containers="" engine=""
  set_elsewhere default_ulimits || containers+=$'default_ulimits = []\n'
  set_elsewhere cgroup_manager || engine+=$'cgroup_manager = "cgroupfs"\n'
  set_elsewhere runtime || engine+=$'runtime = "runc"\n'
  mkdir -p "$dir"
  {
    echo "# Written by Deep Sci-Fi's scripts/container_check.sh (see its header)."
    if [ -n "$containers" ]; then printf '[containers]\n%s' "$containers"; fi
    if [ -n "$engine" ]; then printf '[engine]\n%s' "$engine"; fi
  } >"$own.new"
  mv "$own.new" "$own"
  echo "podman: runtime $(podman info --format '{{.Host.OCIRuntime.Name}}'), cgroups" \
    "$(podman info --format '{{.Host.CgroupManager}}') (settings in $own)"
}

is_bookworm_host() { grep -qsx 'VERSION_CODENAME=bookworm' /etc/os-release; }

# The Debian archive this machine uses: its apt sources, deb822 (bookworm's default) first.
host_apt_sources() {
  if [ -f /etc/apt/sources.list.d/debian.sources ]; then
    cat /etc/apt/sources.list.d/debian.sources
  elif [ -f /etc/apt/sources.list ]; then
    grep -E '^deb\s' /etc/apt/sources.list || true
  fi
}

host_debian_mirror() {
  host_apt_sources | awk '/^URIs:/ {print $2; exit} /^deb\s/ {for (i = 2; i <= NF; i++) if ($i ~ /:\/\//) {print $i; exit}}'
}

build_base_image() {
  if [ $FRESH = 1 ]; then podman rmi -f "$BASE_IMAGE" >/dev/null 2>&1 || true; fi
  if podman image exists "$BASE_IMAGE"; then
    echo "base image $BASE_IMAGE: cached"
    return
  fi
  local started root=$scratch/rootfs mirror=""
  started=$(date +%s)
  is_bookworm_host && mirror=$(host_debian_mirror)
  echo "base image: debootstrap --variant=minbase bookworm ${mirror:-"(the default mirror)"}"
  debootstrap --variant=minbase bookworm "$root" ${mirror:+"$mirror"} >"$scratch/debootstrap.log" 2>&1 ||
    fail "debootstrap failed: $(tail -3 "$scratch/debootstrap.log")"
  rm -rf "$root"/var/cache/apt/archives/*.deb "$root"/var/lib/apt/lists/*
  tar -C "$root" -c . | podman import - "$BASE_IMAGE" >"$scratch/import.log" 2>&1 ||
    fail "podman import failed: $(tail -3 "$scratch/import.log")"
  rm -rf "$root"
  echo "base image $BASE_IMAGE: built in $(seconds_since "$started") s"
}

# pip's resolved value for one key (`pip config list` includes PIP_* variables, last wins).
pip_setting() {
  .venv/bin/python -m pip config list 2>/dev/null | sed -n "s/^[^.]*\.$1='\(.*\)'$/\1/p" | tail -1
}

network_urls() { tr ' ' '\n' <<<"$1" | grep -E '^https?://' | paste -sd' ' || true; }

build_args=()
index_args() {
  local index extra trusted registry cert
  index=$(network_urls "$(pip_setting index-url)")
  extra=$(network_urls "$(pip_setting extra-index-url)")
  trusted=$(pip_setting trusted-host)
  [ -n "$index" ] && build_args+=(--build-arg "PIP_INDEX_URL=$index")
  [ -n "$extra" ] && build_args+=(--build-arg "PIP_EXTRA_INDEX_URL=$extra")
  [ -n "$trusted" ] && build_args+=(--build-arg "PIP_TRUSTED_HOST=$trusted")
  echo "pip index: ${index:-"PyPI (the default)"}${extra:+, extra $extra}"
  if command -v npm >/dev/null; then
    registry=$(npm config get registry)
    build_args+=(--build-arg "NPM_CONFIG_REGISTRY=$registry")
    echo "npm registry: $registry"
  fi
  if is_bookworm_host && [ -n "$(host_apt_sources)" ]; then
    build_args+=(--build-arg "APT_SOURCES=$(host_apt_sources)")
    echo "apt sources: this machine's ($(host_debian_mirror))"
  fi
  cert=$(pip_setting cert)
  cert=${cert:-${SSL_CERT_FILE:-}}
  if [ -n "$cert" ] && [ -f "$cert" ]; then
    build_args+=(--secret "id=ca_bundle,src=$cert")
    echo "certificates trusted while downloading: $cert"
  fi
}

# A rebuild leaves the image it replaces untagged, with its layers: removed once the new one is
# tagged, unless something else still uses them.
build_image() {
  local started previous cache=()
  [ $FRESH = 1 ] && cache=(--no-cache)
  previous=$(podman image inspect -f '{{.Id}}' "$IMAGE" 2>/dev/null || true)
  index_args
  started=$(date +%s)
  # The long, CPU-heavy part yields to other work; the container then runs at normal priority.
  nice -n 10 podman build --network host "${cache[@]}" -t "$IMAGE" --build-arg "BASE=$BASE_IMAGE" \
    "${build_args[@]}" . >"$scratch/build.log" 2>&1 ||
    fail "podman build failed; its last lines:"$'\n'"$(tail -30 "$scratch/build.log")"
  BUILD_SECONDS=$(seconds_since "$started")
  echo "image $IMAGE: built in $BUILD_SECONDS s"
  if [ -n "$previous" ] && [ "$previous" != "$(podman image inspect -f '{{.Id}}' "$IMAGE")" ]; then
    podman rmi "$previous" >/dev/null 2>&1 || true
  fi
}

free_port() {
  .venv/bin/python -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

# Start a container on the data volume; sets HEALTHY_SECONDS once /readyz answers 200.
start_container() {
  local started deadline
  podman run -d --name "$NAME" -p "127.0.0.1:$PORT:3000" -v "$VOLUME:/data" \
    -e "DSF_APP_URL=$URL" "$IMAGE" >/dev/null
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
install_tools
configure_podman
step "Base image"
build_base_image
step "Image"
build_image
size=$(podman image inspect -f '{{.Size}}' "$IMAGE")

PORT=$(free_port)
URL="http://127.0.0.1:$PORT"
podman volume create "$VOLUME" >/dev/null
step "First start (empty data volume)"
start_container
first_healthy=$HEALTHY_SECONDS
probe first || fail "the first visit failed"
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

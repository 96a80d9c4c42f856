# Sourced by scripts/container_check.sh and scripts/deploy_check.sh: podman on this machine
# (installed with apt, configured for it), the debootstrap base image, image builds with this
# machine's package indexes, and the check's own messages. The caller sets CHECK (its name, for
# messages), FRESH (1: rebuild everything) and scratch (a folder it removes at exit) first.

BASE_IMAGE=localhost/debian:bookworm-min

fail() {
  echo "$CHECK FAILED: $*" >&2
  exit 1
}
step() { printf '\n== %s\n' "$*"; }
seconds_since() { echo $(($(date +%s) - $1)); }

# Installs the commands named (each the Debian package of the same name) that are missing.
install_tools() {
  local missing=() tool
  for tool in "$@"; do
    command -v "$tool" >/dev/null || missing+=("$tool")
  done
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
    echo "# Written by Deep Sci-Fi's scripts/podman_lib.sh (see scripts/container_check.sh)."
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
  if [ "$FRESH" = 1 ]; then podman rmi -f "$BASE_IMAGE" >/dev/null 2>&1 || true; fi
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

# The build arguments that pass this machine's package indexes through (see the Dockerfile).
build_args=()
index_args() {
  [ ${#build_args[@]} -gt 0 ] && return
  build_args=(--build-arg "BASE=$BASE_IMAGE")
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

# The build context: the committed tree (git archive of COMMIT, HEAD unless the caller set it)
# in $scratch/context, without the working tree's uncommitted edits (several people may be
# editing it at once). Sets CONTEXT.
prepare_context() {
  [ -n "${CONTEXT:-}" ] && return
  CONTEXT=$scratch/context
  mkdir -p "$CONTEXT"
  git archive "${COMMIT:-HEAD}" | tar -x -C "$CONTEXT"
  echo "build context: commit $(git rev-parse --short "${COMMIT:-HEAD}") (git archive; uncommitted edits left out)"
}

# build_image IMAGE FILE [podman build arguments…]: builds FILE (a path in the context) and sets
# BUILD_SECONDS. A rebuild leaves the image it replaces untagged, with its layers: removed once
# the new one is tagged, unless something else still uses them.
build_image() {
  local image=$1 file=$2 started previous log cache=()
  shift 2
  [ "$FRESH" = 1 ] && cache=(--no-cache)
  previous=$(podman image inspect -f '{{.Id}}' "$image" 2>/dev/null || true)
  index_args
  prepare_context
  log="$scratch/build-${image//[^a-z0-9]/-}.log"
  started=$(date +%s)
  # The long, CPU-heavy part yields to other work; the containers then run at normal priority.
  nice -n 10 podman build --network host "${cache[@]}" -t "$image" -f "$CONTEXT/$file" \
    "${build_args[@]}" "$@" "$CONTEXT" >"$log" 2>&1 ||
    fail "podman build of $image failed; its last lines:"$'\n'"$(tail -30 "$log")"
  BUILD_SECONDS=$(seconds_since "$started")
  echo "image $image: built in $BUILD_SECONDS s, $(image_megabytes "$image") MB"
  if [ -n "$previous" ] && [ "$previous" != "$(podman image inspect -f '{{.Id}}' "$image")" ]; then
    podman rmi "$previous" >/dev/null 2>&1 || true
  fi
}

image_megabytes() { echo $(($(podman image inspect -f '{{.Size}}' "$1") / 1000000)); }

free_port() {
  .venv/bin/python -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

# The scripted model and the image API (scripts/container_probe.py fakes) on this machine's
# loopback, in the background until the check ends; writes the settings that point an app at
# them, reached at address $2, to the env file $1. Sets FAKES_PID.
start_fakes() {
  PYTHONPATH=. .venv/bin/python scripts/container_probe.py fakes "$1" "$2" &
  FAKES_PID=$!
  local deadline=$((SECONDS + 60))
  until [ -s "$1" ]; do
    kill -0 "$FAKES_PID" 2>/dev/null || fail "the scripted model and image API did not start"
    [ $SECONDS -lt $deadline ] || fail "the scripted model and image API did not start in 60 s"
    sleep 0.5
  done
}

stop_fakes() {
  if [ -n "${FAKES_PID:-}" ]; then
    kill "$FAKES_PID" 2>/dev/null || true
    wait "$FAKES_PID" 2>/dev/null || true
  fi
}

#!/usr/bin/env bash
# The real parts the template's tests use, made on a machine that reaches no image registry:
# a Docker engine with Compose (and Podman), the base images the generated Dockerfile names,
# PostgreSQL's server binaries and Chromium with its driver. .ci/run calls it; so can a developer:
#
#   bash .ci/engines.sh install          Debian packages (skips what is there; sudo if not root):
#                                        docker.io, debootstrap, podman, shellcheck, postgresql,
#                                        chromium, chromium-driver, valgrind (the benchmark's
#                                        instruction counts)
#   eval "$(bash .ci/engines.sh start DIR)"
#                                        a private dockerd in DIR (its own data, socket and
#                                        Compose plugins); prints the variables the tests read
#   bash .ci/engines.sh images NAME...   each base image: present, or loaded from the cache
#                                        folder, or made here (then saved to the cache); a
#                                        pinned NAME:TAG@sha256:D is made as NAME:TAG and
#                                        recorded under its digest (digest_references)
#   bash .ci/engines.sh stop DIR         stops that dockerd
#
# Cache: base images (docker save tarballs) and the Compose plugins are kept in
# ${DISCORD_BOT_TEMPLATE_CACHE:-/var/cache/discord-bot-template}, keyed by the image name and a
# hash of the recipe that made it, so later runs on the same machine load them in seconds.
# BASE_IMAGES=pull pulls them from their registries instead (GitHub's runners reach them).
set -euo pipefail

cache="${DISCORD_BOT_TEMPLATE_CACHE:-/var/cache/discord-bot-template}"
# Debian's CLI: the one that drives BuildKit for `RUN --mount` without a buildx plugin.
if [ -n "${DOCKER:-}" ]; then docker_cli="$DOCKER"
elif [ -x /usr/bin/docker ]; then docker_cli=/usr/bin/docker
else docker_cli="$(command -v docker || echo docker)"; fi
# Compose 2.24 is the first to read `env_file: {path, required}` (compose.yaml uses it).
compose_minimum=2.24

log() { printf 'engines: %s\n' "$*" >&2; }
die() { log "$*"; exit 1; }

as_root() {
    if [ "$(id -u)" = 0 ]; then "$@"; else sudo "$@"; fi
}

docker() { DOCKER_BUILDKIT=1 "$docker_cli" "$@"; }

engine_answers() { docker version --format '{{.Server.Version}}' >/dev/null 2>&1; }

# --- install ---------------------------------------------------------------------------------

first_command() {
    local name
    for name in "$@"; do
        if command -v "$name" >/dev/null 2>&1; then command -v "$name"; return 0; fi
    done
    return 1
}

postgres_bindir() {
    local bindir
    bindir="$(pg_config --bindir 2>/dev/null || true)"
    if [ -x "$bindir/initdb" ]; then echo "$bindir"; return 0; fi
    # Debian keeps the server binaries off PATH, one folder per major version: the newest.
    bindir="$(find /usr/lib/postgresql -path '*/bin/initdb' 2>/dev/null | sort -V | tail -n 1)"
    [ -n "$bindir" ] && dirname "$bindir"
}

chromium_binary() { first_command chromium chromium-browser google-chrome google-chrome-stable; }
chromedriver_binary() { first_command chromedriver; }

install() {
    local wanted=()
    if ! command -v dockerd >/dev/null 2>&1 && ! engine_answers; then wanted+=(docker.io); fi
    if [ "${BASE_IMAGES:-build}" = build ] && ! command -v debootstrap >/dev/null 2>&1 \
        && ! [ -x /usr/sbin/debootstrap ]; then
        wanted+=(debootstrap)
    fi
    command -v shellcheck >/dev/null 2>&1 || wanted+=(shellcheck)
    command -v podman >/dev/null 2>&1 || wanted+=(podman)
    postgres_bindir >/dev/null || wanted+=(postgresql)
    chromium_binary >/dev/null || wanted+=(chromium)
    chromedriver_binary >/dev/null || wanted+=(chromium-driver)
    command -v valgrind >/dev/null 2>&1 || wanted+=(valgrind)
    if [ "${#wanted[@]}" -eq 0 ]; then
        log "nothing to install"
        return 0
    fi
    log "installing ${wanted[*]}"
    # Other work on the machine may hold dpkg's lock for a while: wait for it.
    as_root apt-get -o DPkg::Lock::Timeout=600 update -qq
    as_root env DEBIAN_FRONTEND=noninteractive \
        apt-get -o DPkg::Lock::Timeout=600 install -y -qq "${wanted[@]}" >/dev/null
}

# --- Compose -----------------------------------------------------------------------------------

version_at_least() { [ "$(printf '%s\n%s\n' "$2" "$1" | sort -V | head -n 1)" = "$2" ]; }

compose_version() { docker compose version --short 2>/dev/null | sed 's/^v//; s/[-+].*//'; }

# The machine's Debian mirror, as apt is configured to use it (never typed in here).
debian_mirror() {
    local codename
    codename="$(sed -n 's/^VERSION_CODENAME=//p' /etc/os-release)"
    # shellcheck disable=SC2016 # $(REPO_URI) is apt's own placeholder, not the shell's
    apt-get indextargets --format '$(REPO_URI) $(RELEASE)' 'Created-By: Packages' \
        | awk -v release="$codename" '$2 == release { print $1; exit }'
}

# Debian 12's Compose is the old Python one: take Compose v2 and buildx from Debian 13's
# packages, unpacked (not installed) into a cli-plugins folder.
compose_plugins() {
    local config="$1" folder mirror apt_dir options version deb
    # Any version cached before serves: Compose only validates and runs the tests' projects.
    folder="$(find "$cache/compose" -mindepth 1 -maxdepth 1 -type d ! -name '*.partial' \
        2>/dev/null | sort -V | tail -n 1 || true)"
    if [ -z "$folder" ]; then
        mirror="$(debian_mirror)"
        [ -n "$mirror" ] || die "no Debian mirror in apt's configuration to fetch Compose from"
        apt_dir="$(mktemp -d)"
        mkdir -p "$apt_dir/lists/partial" "$apt_dir/cache/archives/partial" "$apt_dir/unpacked"
        echo "deb [signed-by=/usr/share/keyrings/debian-archive-keyring.gpg] $mirror trixie main" \
            >"$apt_dir/sources.list"
        # A private index: the machine's own apt lists and state stay as they are.
        options=(-o "Dir::Etc::SourceList=$apt_dir/sources.list"
            -o Dir::Etc::SourceParts=/nonexistent -o "Dir::State::Lists=$apt_dir/lists"
            -o "Dir::Cache=$apt_dir/cache" -o APT::Sandbox::User=root)
        apt-get "${options[@]}" update -qq
        version="$(apt-cache "${options[@]}" show --no-all-versions docker-compose docker-buildx \
            | awk '/^Version:/ { printf "%s%s", separator, $2; separator = "_" }')"
        log "fetching Compose and buildx ($version) from Debian 13"
        (cd "$apt_dir" && apt-get "${options[@]}" download -qq docker-compose docker-buildx)
        for deb in "$apt_dir"/*.deb; do dpkg-deb -x "$deb" "$apt_dir/unpacked"; done
        folder="$cache/compose/$version"
        mkdir -p "$folder.partial"
        cp "$apt_dir"/unpacked/usr/libexec/docker/cli-plugins/docker-{compose,buildx} \
            "$folder.partial/"
        rm -rf "$folder" && mv "$folder.partial" "$folder"
        rm -rf "$apt_dir"
    fi
    mkdir -p "$config/cli-plugins"
    cp "$folder/docker-compose" "$folder/docker-buildx" "$config/cli-plugins/"
}

# --- the engine --------------------------------------------------------------------------------

# dockerd on DIR's folders and socket, in a session of its own (a Ctrl+C that stops the tests
# does not stop it); returns once it answers.
launch() {
    local dir="$1" waited=0
    # No bridge and no iptables: the engine stays out of the host's network setup. Containers
    # get --network=host (the tests' fake Discord is on 127.0.0.1) or a user-defined network;
    # builds get --network=host.
    setsid dockerd --data-root "$dir/root" --exec-root "$dir/exec" --pidfile "$dir/dockerd.pid" \
        --host "unix://$dir/docker.sock" --iptables=false --ip6tables=false --bridge=none \
        >>"$dir/dockerd.log" 2>&1 </dev/null &
    export DOCKER_HOST="unix://$dir/docker.sock" DOCKER_CONFIG="$dir/config"
    until engine_answers; do
        waited=$((waited + 1))
        [ "$waited" -le 60 ] || { tail -n 20 "$dir/dockerd.log" >&2; die "dockerd did not start"; }
        sleep 0.5
    done
}

start() {
    local dir="$1"
    mkdir -p "$dir/config"
    launch "$dir"
    local version
    version="$(compose_version || true)"
    if [ -z "$version" ] || ! version_at_least "$version" "$compose_minimum"; then
        compose_plugins "$dir/config" >&2
    fi
    log "dockerd $(docker version --format '{{.Server.Version}}'), compose $(compose_version)"
    exports
}

# The variables the tests read (tests/support/real_parts.py), as shell `export` lines.
exports() {
    local name value
    for name in DOCKER_HOST DOCKER_CONFIG; do
        if [ -n "${!name:-}" ]; then printf 'export %s=%q\n' "$name" "${!name}"; fi
    done
    printf 'export DOCKER=%q DOCKER_BUILDKIT=1\n' "$docker_cli"
    if value="$(postgres_bindir)"; then printf 'export POSTGRES_BINDIR=%q\n' "$value"; fi
    if value="$(chromium_binary)"; then printf 'export CHROMIUM=%q\n' "$value"; fi
    if value="$(chromedriver_binary)"; then printf 'export CHROMEDRIVER=%q\n' "$value"; fi
}

# The dockerd of DIR, stopped (SIGTERM, then SIGKILL after 30 s); its folders stay.
stop_dockerd() {
    local pid
    pid="$(cat "$1/dockerd.pid" 2>/dev/null)" || return 0
    if kill "$pid" 2>/dev/null; then
        for _ in $(seq 60); do kill -0 "$pid" 2>/dev/null || break; sleep 0.5; done
        if kill -0 "$pid" 2>/dev/null; then kill -9 "$pid"; fi
    fi
}

stop() {
    local dir="$1"
    [ -f "$dir/dockerd.pid" ] || return 0
    export DOCKER_HOST="unix://$dir/docker.sock"
    # Containers a failed test left behind go first, so that dockerd stops at once.
    docker ps -aq | xargs -r "$docker_cli" rm -f >/dev/null 2>&1 || true
    stop_dockerd "$dir"
    # Whatever is still mounted under DIR (a killed engine's layers) before it is removed.
    awk -v dir="$dir/" 'index($2, dir) == 1 { print $2 }' /proc/mounts | sort -r \
        | xargs -r -n 1 umount -l 2>/dev/null || true
    rm -rf "$dir"
}

# --- base images -------------------------------------------------------------------------------

# The Debian release whose python3 is the version an official python:X.Y-slim image has.
debian_release_for_python() {
    case "$1" in
        3.11) echo bookworm ;;
        3.13) echo trixie ;;
        *) return 1 ;;
    esac
}

# python:X.Y-slim: Debian with its python3, debootstrapped from the machine's mirror. Python
# is /usr/bin/python3 here (the official image has /usr/local/bin): a virtual environment made
# in one stage still works in another stage of the same image, which is what the Dockerfile needs.
python_image() {
    local name="$1" work="$2" python release mirror rootfs="$2/rootfs"
    python="${name#python:}"
    python="${python%-slim}"
    release="$(debian_release_for_python "$python")" \
        || die "no Debian release ships Python $python: teach debian_release_for_python"
    mirror="$(debian_mirror)"
    [ -n "$mirror" ] || die "no Debian mirror in apt's configuration"
    [ "$(id -u)" = 0 ] || die "debootstrap needs root (or set BASE_IMAGES=pull where registries answer)"
    debootstrap --variant=minbase --include=python3 "$release" "$rootfs" "$mirror" >"$work/log" 2>&1 \
        || { tail -n 20 "$work/log" >&2; die "debootstrap $release failed"; }
    rm -rf "$rootfs"/var/lib/apt/lists/* "$rootfs"/var/cache/apt/* "$rootfs"/var/log/* \
        "$rootfs"/usr/share/doc "$rootfs"/usr/share/man "$rootfs"/usr/share/locale
    # Builds inside reach the package registry through a proxy that signs with this machine's CA.
    mkdir -p "$rootfs/etc/ssl/certs"
    cp /etc/ssl/certs/ca-certificates.crt "$rootfs/etc/ssl/certs/ca-certificates.crt"
    tar --numeric-owner -C "$rootfs" -c . | docker import \
        -c 'CMD ["python3"]' -c 'ENV LANG=C.UTF-8' \
        -c 'ENV SSL_CERT_FILE=/etc/ssl/certs/ca-certificates.crt' - "$name" >/dev/null
}

# pip as the machine has it configured (index, certificates); uv's when pip is missing.
pip_download() {
    if python3 -m pip --version >/dev/null 2>&1; then
        python3 -m pip download "$@"
    else
        uv tool run pip download "$@"
    fi
}

# ghcr.io/astral-sh/uv:VERSION: like the official image, just /uv and /uvx, from uv's wheel.
uv_image() {
    local name="$1" work="$2" version
    version="${name##*:}"
    pip_download --quiet --no-deps --only-binary=:all: \
        --platform manylinux_2_17_x86_64 --dest "$work" "uv==$version" 2>"$work/log" \
        || { cat "$work/log" >&2; die "no uv $version wheel"; }
    mkdir -p "$work/root"
    python3 - "$work" <<'EOF'
import pathlib, sys, zipfile
work = pathlib.Path(sys.argv[1])
(wheel,) = work.glob("uv-*.whl")
with zipfile.ZipFile(wheel) as archive:
    for entry in archive.namelist():
        if entry.endswith((".data/scripts/uv", ".data/scripts/uvx")):
            target = work / "root" / pathlib.PurePosixPath(entry).name
            target.write_bytes(archive.read(entry))
            target.chmod(0o755)
EOF
    tar --numeric-owner --owner=0 --group=0 -C "$work/root" -c uv uvx \
        | docker import - "$name" >/dev/null
}

recipe_for() {
    case "$1" in
        python:*-slim) echo python_image ;;
        ghcr.io/astral-sh/uv:*) echo uv_image ;;
        *) return 1 ;;
    esac
}

# NAME:TAG@sha256:DIGEST, as the Dockerfile pins its images: the image is made as NAME:TAG,
# then recorded under the digest too (digest_references, once all are made).
digested=()

image() {
    local name="$1" recipe key tarball work started=$SECONDS
    if docker image inspect "$name" >/dev/null 2>&1; then return 0; fi
    # Pulled by digest, the engine checks the registry's image against it.
    if [ "${BASE_IMAGES:-build}" = pull ]; then docker pull --quiet "$name" >/dev/null; return; fi
    case "$name" in
        *:*@sha256:*) image "${name%@*}"; digested+=("$name"); return 0 ;;
        *@*) die "$name: pin a digest with its tag (NAME:TAG@sha256:...), the tag to make it by" ;;
    esac
    recipe="$(recipe_for "$name")" || die "no recipe for $name: add one to .ci/engines.sh"
    # The key changes with the recipe's code, so an improved recipe is never served stale.
    key="$(printf '%s' "$name" | tr -c 'A-Za-z0-9._-' '_')"
    key="$key-$(declare -f "$recipe" debian_release_for_python | sha256sum | cut -c1-12)"
    tarball="$cache/images/$key.tar"
    if [ -f "$tarball" ]; then
        docker load --quiet --input "$tarball" >/dev/null
        log "$name: loaded from $tarball ($((SECONDS - started)) s)"
        return 0
    fi
    work="$(mktemp -d)"
    "$recipe" "$name" "$work"
    rm -rf "$work"
    mkdir -p "$cache/images"
    # Written beside, then renamed: a run that reads the cache at the same time sees all or nothing.
    docker save --output "$tarball.$$" "$name"
    mv "$tarball.$$" "$tarball"
    log "$name: made and saved to $tarball ($((SECONDS - started)) s)"
}

images() {
    local name
    for name in "$@"; do image "$name"; done
    if [ "${#digested[@]}" -gt 0 ]; then digest_references "${digested[@]}"; fi
}

# A digest names the registry's image index by its hash, which no image made here can have.
# What `docker pull NAME:TAG@sha256:D` leaves for a build to find is a line of the engine's
# reference store, NAME@sha256:D -> the image's ID (`docker images --digests` shows it), and no
# command writes one for a local image (tag, load and import refuse digests). So an engine this
# script started is stopped, given that line for the image made as NAME:TAG, and started again:
# dockerd reads the store when it starts. Builds then find NAME:TAG@sha256:D as after a pull,
# and the Dockerfile is built as it is.
digest_references() {
    local dir store started=$SECONDS
    dir="${DOCKER_HOST:-}"
    dir="${dir#unix://}"
    dir="${dir%/docker.sock}"
    if [ "${DOCKER_HOST:-}" != "unix://$dir/docker.sock" ] || ! [ -f "$dir/dockerd.pid" ] \
        || ! [ -d "$dir/root" ]; then
        die "$1 is pinned by digest: only an engine started by 'engines.sh start DIR' can be given that digest for an image made here; elsewhere BASE_IMAGES=pull pulls it"
    fi
    if [ -n "$(docker ps -q)" ]; then
        die "containers run on the engine in $dir, which restarts to record $*: stop them first"
    fi
    store="$dir/root/image/$(docker info --format '{{.Driver}}')/repositories.json"
    stop_dockerd "$dir"
    python3 - "$store" "$@" <<'EOF' || { launch "$dir"; die "could not record $*"; }
import json, os, sys

store, *names = sys.argv[1:]
with open(store, encoding="utf-8") as file:
    repositories = json.load(file)["Repositories"]


def familiar(name):
    """The store's short form: python:3.13-slim for docker.io/library/python:3.13-slim."""
    for prefix in ("docker.io/", "index.docker.io/"):
        name = name.removeprefix(prefix)
    if name.startswith("library/") and name.count("/") == 1:
        name = name.removeprefix("library/")
    return name


for name in names:
    tagged, digest = name.split("@")
    tagged = familiar(tagged)
    repository = tagged[: tagged.rindex(":")]
    repositories[repository][f"{repository}@{digest}"] = repositories[repository][tagged]
with open(store + ".new", "w", encoding="utf-8") as file:
    json.dump({"Repositories": repositories}, file)
os.replace(store + ".new", store)
EOF
    launch "$dir"
    for name in "$@"; do
        docker image inspect "$name" >/dev/null 2>&1 || die "$name: not found once recorded"
    done
    log "$*: made under the tags, recorded under the digests ($((SECONDS - started)) s)"
}

case "${1:-}" in
    install) install ;;
    start) start "${2:?usage: engines.sh start DIR}" ;;
    stop) stop "${2:?usage: engines.sh stop DIR}" ;;
    images) shift; images "$@" ;;
    exports) exports ;;
    *) die "usage: engines.sh install | start DIR | stop DIR | images NAME... | exports" ;;
esac

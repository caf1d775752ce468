#!/usr/bin/env bash
# test-containers.sh: builds DistTrain's container image (deploy/Dockerfile) on base images made
# here from Debian's packages, runs a cluster of its containers to the end of a training run, checks
# what they wrote, and tears everything down, whatever happened. Needs root; CI runs it (through
# ContainerClusterTests). Run from anywhere: bash deploy/test-containers.sh
#
# 1. podman, runc and debootstrap are installed if missing; podman reads a containers.conf made
#    here (CONTAINERS_CONF): the runc runtime (crun cannot run where cgroups are in hybrid mode) and
#    no default rlimits or pids limit (podman cannot set them in every sandbox).
# 2. Bases, kept between runs as localhost/disttrain-base-{sdk,runtime}:RELEASE: debootstrap
#    --variant=minbase of this machine's Debian release from the mirror its apt uses, with libssl3,
#    ca-certificates, tzdata and libicu72. The SDK base is that file system with a dotnet link to
#    /usr/share/dotnet, where this machine's .NET SDK is mounted while building (with its NuGet
#    package folder, restored here first, so the build runs offline from it); the runtime base is it
#    without ICU, which the self-contained, globalization-invariant launcher does not need.
# 3. The image: deploy/Dockerfile with SDK_IMAGE and RUNTIME_IMAGE set to those bases, on a copy
#    of the files it needs (so the working tree's build folders are left alone).
# 4. The cluster, on the network test bed (tests/netbed/netbed.sh: network namespaces joined by a
#    bridge, links shaped to RATE, addresses in 198.18.0.0/15): each container in its own namespace
#    (podman --network ns:PATH), with the host names the compose file uses (coordinator, worker-1,
#    worker-2) in every container's /etc/hosts. The coordinator and parameter-server container
#    trains W1 on the synthetic set with the two worker containers (2 workers each) and writes the
#    model and metrics to a mounted folder, which is owned by the image's user as a volume would be.
# 5. Checks: the containers run as the image's non-root user; the health check reports healthy
#    while each node is up; every container exits 0; the model and metrics exist, the metrics hold
#    every epoch and the final figures, and `disttrain evaluate` in the image reads the model back.
#
# Environment: RATE (the links' rate, default 10gbit), EPOCHS (default 2), KEEP_OUTPUT=1 keeps the
# output folder and prints where. Prints one line a stage, and "containers: passed in N s" at the end.
set -euo pipefail

readonly ROOT="$(cd "$(dirname "$0")/.." && pwd)"
readonly RATE="${RATE:-10gbit}"
readonly EPOCHS="${EPOCHS:-2}"
readonly RUNTIME_BASE=localhost/disttrain-base-runtime
readonly SDK_BASE=localhost/disttrain-base-sdk
readonly IMAGE=localhost/disttrain:test
readonly BED=dtctr
readonly APP_UID=1654
readonly NAMES=(coordinator worker-1 worker-2)
readonly STARTED=$SECONDS

log() { echo "containers: $*"; }
die() { echo "containers: FAILED: $*" >&2; exit 1; }

[[ $(id -u) -eq 0 ]] || die "needs root (podman, network namespaces, debootstrap): run it as root"

work=$(mktemp -d /tmp/disttrain-containers.XXXXXX)
output=$work/out

# Everything this run made goes, however it ends: containers, the bed, the image, the work folder.
teardown() {
    local status=$?
    set +e
    for name in "${NAMES[@]}"; do
        podman rm --force --time 2 "disttrain-test-$name" >/dev/null 2>&1
    done
    bash "$ROOT/tests/netbed/netbed.sh" down "$BED" >/dev/null 2>&1
    podman rmi --force "$IMAGE" >/dev/null 2>&1
    if [[ ${KEEP_OUTPUT:-0} == 1 ]]; then
        log "output kept in $output"
    else
        rm -rf "$work"
    fi
    exit "$status"
}
trap teardown EXIT
trap 'exit 130' INT TERM

install_tools() {
    local packages=()
    command -v podman >/dev/null || packages+=(podman)
    command -v runc >/dev/null || [[ -x /usr/sbin/runc ]] || packages+=(runc)
    command -v debootstrap >/dev/null || [[ -x /usr/sbin/debootstrap ]] || packages+=(debootstrap)
    { command -v ip && command -v tc; } >/dev/null || packages+=(iproute2)
    if ((${#packages[@]} > 0)); then
        log "installing ${packages[*]}"
        { DEBIAN_FRONTEND=noninteractive apt-get update -qq \
            && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${packages[@]}"; } > "$work/apt.log" 2>&1 \
            || { tail -20 "$work/apt.log" >&2; die "installing ${packages[*]} failed"; }
    fi
    export PATH="$PATH:/usr/sbin:/sbin"
}

configure_podman() {
    export CONTAINERS_CONF=$work/containers.conf
    cat > "$CONTAINERS_CONF" <<'CONF'
[containers]
default_ulimits = []
pids_limit = 0

[engine]
runtime = "runc"
CONF
}

# The Debian mirror and release this machine's apt uses (deb822 .sources or a one-line list).
debian_mirror() {
    local mirror
    mirror=$(awk '/^URIs:/ && !/security/ {print $2; exit}' /etc/apt/sources.list.d/*.sources 2>/dev/null || true)
    [[ -n $mirror ]] || mirror=$(awk '$1 == "deb" && !/security/ {print $2; exit}' /etc/apt/sources.list 2>/dev/null || true)
    [[ -n $mirror ]] || die "no Debian mirror found in /etc/apt/sources.list.d/*.sources or /etc/apt/sources.list"
    echo "$mirror"
}

build_bases() {
    local suite rootfs mirror
    suite=$(. /etc/os-release && echo "$VERSION_CODENAME")
    echo "$suite" > "$work/suite"
    if podman image exists "$RUNTIME_BASE:$suite" && podman image exists "$SDK_BASE:$suite"; then
        log "bases $RUNTIME_BASE:$suite and $SDK_BASE:$suite already built"
        return
    fi

    rootfs=$work/rootfs
    mirror=$(debian_mirror)
    log "debootstrap of Debian $suite (minbase) from $mirror"
    debootstrap --variant=minbase --include=libssl3,ca-certificates,tzdata,libicu72 "$suite" "$rootfs" "$mirror" \
        > "$work/debootstrap.log" 2>&1 || { tail -20 "$work/debootstrap.log" >&2; die "debootstrap failed"; }
    rm -rf "$rootfs"/var/cache/apt/archives/*.deb "$rootfs"/var/lib/apt/lists/*

    # The SDK base: with ICU (the SDK needs it), and dotnet where the official SDK image has it.
    ln -s /usr/share/dotnet/dotnet "$rootfs/usr/bin/dotnet"
    tar -C "$rootfs" -c . | podman import --quiet \
        --change "ENV DOTNET_CLI_TELEMETRY_OPTOUT=1" --change "ENV DOTNET_NOLOGO=1" - "$SDK_BASE:$suite" >/dev/null

    # The runtime base: without them. The launcher is self-contained and globalization-invariant.
    rm "$rootfs/usr/bin/dotnet"
    chroot "$rootfs" dpkg --purge libicu72 > "$work/purge.log" 2>&1 || { cat "$work/purge.log" >&2; die "removing ICU from the runtime base failed"; }
    tar -C "$rootfs" -c . | podman import --quiet - "$RUNTIME_BASE:$suite" >/dev/null
    rm -rf "$rootfs"
    log "bases built"
}

# The build context: the files the Dockerfile copies, without build outputs, in the work folder,
# so that restoring them for linux-x64 leaves the working tree's obj/ folders as they were.
make_context() {
    context=$work/context
    mkdir -p "$context"
    tar -C "$ROOT" --exclude=bin --exclude=obj -c Directory.Build.props Directory.Packages.props src samples/DistTrain.Launcher \
        | tar -C "$context" -x
}

build_image() {
    local suite dotnet_root packages
    suite=$(cat "$work/suite")
    dotnet_root=$(dirname "$(readlink -f "$(command -v dotnet)")")
    packages=$(dotnet nuget locals global-packages --list | sed 's/^global-packages: *//; s:/*$::')
    log "restoring the launcher for linux-x64 here, so that the image's build needs no registry"
    dotnet restore "$context/samples/DistTrain.Launcher" -r linux-x64 -v q --nologo > "$work/restore.log" 2>&1 \
        || { tail -20 "$work/restore.log" >&2; die "dotnet restore failed"; }
    rm -rf "$context"/src/*/obj "$context"/samples/*/obj
    podman build --quiet --format docker --layers=false --network none \
        --volume "$dotnet_root:/usr/share/dotnet:ro" --volume "$packages:/root/.nuget/packages" \
        --build-arg "SDK_IMAGE=$SDK_BASE:$suite" --build-arg "RUNTIME_IMAGE=$RUNTIME_BASE:$suite" \
        --build-arg "PUBLISH_OPTIONS=--source /root/.nuget/packages -p:NuGetAudit=false" \
        --file "$ROOT/deploy/Dockerfile" --tag "$IMAGE" "$context" > "$work/build.log" 2>&1 \
        || { tail -30 "$work/build.log" >&2; die "podman build failed"; }
    log "built $IMAGE: $(( $(podman image inspect --format '{{.Size}}' "$IMAGE") / 1000000 )) MB"
}

start_bed() {
    bash "$ROOT/tests/netbed/netbed.sh" down "$BED" >/dev/null 2>&1 || true
    bash "$ROOT/tests/netbed/netbed.sh" up "$BED" "${#NAMES[@]}" "$RATE" >/dev/null
    hosts=()
    for i in "${!NAMES[@]}"; do
        hosts+=(--add-host "${NAMES[$i]}:$(bash "$ROOT/tests/netbed/netbed.sh" address "$BED" $((i + 1)))")
    done
    log "bed $BED: ${#NAMES[@]} namespaces at $RATE"
}

# run_node INDEX ARGS...: the container for NAMES[INDEX], in the bed's namespace INDEX+1.
run_node() {
    local index=$1
    shift
    # The image's health check runs when await_healthy asks: podman's own schedule needs systemd.
    podman run --detach --name "disttrain-test-${NAMES[$index]}" --hostname "${NAMES[$index]}" --health-interval disable \
        --network "ns:/run/netns/$BED-$((index + 1))" "${hosts[@]}" \
        --volume "$output:/out" "$IMAGE" node "$@" > /dev/null 2> "$work/run-${NAMES[$index]}.log" \
        || { cat "$work/run-${NAMES[$index]}.log" >&2; die "podman run of ${NAMES[$index]} failed"; }
}

# Runs the image's health check until it reports healthy (the node is an up cluster member).
await_healthy() {
    local name=disttrain-test-$1 deadline=$((SECONDS + 90))
    until podman healthcheck run "$name" >/dev/null 2>&1; do
        if ((SECONDS > deadline)) || [[ $(podman inspect --format '{{.State.Running}}' "$name") != true ]]; then
            podman logs "$name" >&2 || true
            die "$1 did not become healthy within 90 s"
        fi
        sleep 1
    done
    [[ $(podman inspect --format '{{.State.Health.Status}}' "$name") == healthy ]] \
        || die "$1: the health check passed but podman does not report it healthy"
    log "$1 is healthy"
}

check_user() {
    local name=disttrain-test-$1 uid
    uid=$(podman exec "$name" cat /proc/1/status | awk '/^Uid:/ {print $3}')
    [[ $uid == "$APP_UID" ]] || die "$1's node runs as user $uid, not the image's $APP_UID"
}

await_exit() {
    local name=disttrain-test-$1 code
    code=$(timeout 600 podman wait "$name") || die "$1 did not exit within 600 s"
    podman logs "$name" > "$work/$1.log" 2>&1 || true
    if [[ $code != 0 ]]; then
        tail -20 "$work/$1.log" >&2
        die "$1 exited $code"
    fi
    log "$1 exited 0: $(grep -E 'node .*: the run completed' "$work/$1.log" | tail -1)"
}

check_outputs() {
    local epochs
    [[ -s $output/model.safetensors ]] || die "no model in the output folder"
    [[ -s $output/metrics.json ]] || die "no metrics in the output folder"
    epochs=$(grep -o '"epoch": *[0-9]*' "$output/metrics.json" | wc -l)
    [[ $epochs == "$EPOCHS" ]] || die "the metrics hold $epochs epochs, not $EPOCHS: $(head -c 400 "$output/metrics.json")"
    grep -q '"final": *{' "$output/metrics.json" || die "the metrics have no final figures"
    local evaluation
    evaluation=$(podman run --rm --network none --volume "$output:/out" "$IMAGE" evaluate --model /out/model.safetensors --data synthetic 2>&1) \
        || die "disttrain evaluate in the image could not read the model: $evaluation"
    log "the model reads back: $(echo "$evaluation" | grep -i 'accuracy' | head -1)"
}

install_tools
configure_podman
build_bases
make_context
build_image
mkdir -p "$output"
chown "$APP_UID:$APP_UID" "$output"
start_bed

run_node 0 --roles coordinator,parameter-server --min-workers 4 --epochs "$EPOCHS" --data synthetic --quiet \
    --save /out/model.safetensors --metrics-out /out/metrics.json
await_healthy coordinator
check_user coordinator
for index in 1 2; do
    run_node "$index" --roles worker --seed-nodes coordinator:4053 --workers 2 --data synthetic
done
for name in worker-1 worker-2; do
    await_healthy "$name"
    check_user "$name"
done

for name in "${NAMES[@]}"; do
    await_exit "$name"
done
check_outputs
log "passed in $((SECONDS - STARTED)) s"

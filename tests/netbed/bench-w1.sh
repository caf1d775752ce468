#!/usr/bin/env bash
# bench-w1.sh RATE [EPOCHS [TRAIN OPTIONS...]]: W1 sync (784-512-256-10, Adam, batch 128, 2 workers, 2 server shards)
# on the network test bed with every link at RATE (the coordinator and parameter servers in
# namespace 1, one worker node with 2 workers in namespace 2), beside the same run in one process
# (`disttrain train --workers 2 --ps-shards 2`; SHARDS=n sets another shard count for both, and
# WORKER_NODES=2 runs the 2 workers as two worker nodes of one worker each, in the namespaces after
# the servers'; PS_NODES=2 runs the coordinator alone in namespace 1 and two parameter-server nodes in
# namespaces 2 and 3, which keeps a hot-standby backup of each shard unless COORDINATOR_OPTIONS says
# --ps-replicas 0; COORDINATOR_OPTIONS holds node options for the coordinator only). Prints each run's samples/s, the median of the
# epochs after the first (from the metrics JSON; epoch times leave out the test-set evaluation),
# and their ratio. Needs root. EPOCHS defaults to 2 (so one measured epoch: use 3 or more for a
# median of several). Uses the built launcher (samples/DistTrain.Launcher/bin/Release), building
# it first when it is missing; DISTTRAIN_DLL=path overrides it. Options after EPOCHS go to both runs
# (the coordinator node's and the single process's), such as --wire bf16.
#
#   sudo tests/netbed/bench-w1.sh 1gbit 3
#   sudo tests/netbed/bench-w1.sh 10gbit 3
#   sudo tests/netbed/bench-w1.sh 1gbit 3 --wire bf16
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
root=$(cd "$here/../.." && pwd)
rate=${1:?usage: bench-w1.sh RATE [EPOCHS]   (RATE as tc writes it: 1gbit, 10gbit, 100mbit)}
epochs=${2:-2}
options=("${@:3}")
shards=${SHARDS:-2}
worker_nodes=${WORKER_NODES:-1}
[[ $worker_nodes == 1 || $worker_nodes == 2 ]] || { echo "bench-w1: WORKER_NODES must be 1 or 2" >&2; exit 2; }
server_nodes=${PS_NODES:-1}
[[ $server_nodes == 1 || $server_nodes == 2 ]] || { echo "bench-w1: PS_NODES must be 1 or 2" >&2; exit 2; }
read -r -a coordinator_options <<<"${COORDINATOR_OPTIONS:-}"
if (( server_nodes == 1 )); then
    coordinator_roles=coordinator,parameter-server
    first_worker=2
else
    coordinator_roles=coordinator
    first_worker=4
    coordinator_options+=(--min-ps-nodes 2)
fi
[[ $epochs =~ ^[0-9]+$ && $epochs -ge 2 ]] || { echo "bench-w1: EPOCHS must be 2 or more (the first epoch is warm-up)" >&2; exit 2; }
data=${DISTTRAIN_DATA:-/usr/share/datasets/fashion-mnist}
[[ -d $data ]] || { echo "bench-w1: no Fashion-MNIST at $data: run 'bash tests/install-test-data.sh'" >&2; exit 1; }

dll=${DISTTRAIN_DLL:-$root/samples/DistTrain.Launcher/bin/Release/net10.0/disttrain.dll}
if [[ ! -f $dll ]]; then
    echo "building the launcher ..."
    dotnet build "$root/samples/DistTrain.Launcher" -c Release -nologo -v quiet >/dev/null
fi

bed=dtbb$$
work=$(mktemp -d /tmp/disttrain-bench-XXXXXX)
cleanup() {
    "$here/netbed.sh" down "$bed" >/dev/null 2>&1 || true
    rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# samples/s of every epoch after the first, from a metrics document, then their median.
median_after_first() {
    awk '/"epochs": \[/ {inside = 1} /"final":/ {inside = 0}
         inside && /"samplesPerSecond"/ { gsub(/[ ,]/, ""); split($0, kv, ":"); print kv[2] }' "$1" \
        | tail -n +2 | sort -g | awk '{ v[NR] = $1 } END { if (NR == 0) exit 1; print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'
}

"$here/netbed.sh" up "$bed" $((first_worker - 1 + worker_nodes)) "$rate"
a1=$("$here/netbed.sh" address "$bed" 1)

echo "W1 sync, $epochs epochs, on the bed at $rate: coordinator ($coordinator_roles) at $a1, $server_nodes parameter-server node(s), $worker_nodes worker node(s), 2 workers in all${coordinator_options[*]:+; coordinator options: ${coordinator_options[*]}}"
ip netns exec "$bed-1" dotnet "$dll" node --roles "$coordinator_roles" --hostname "$a1" --port 4053 \
    --min-workers 2 --ps-shards "$shards" --seed 0 --quiet --data "$data" --epochs "$epochs" --metrics-out "$work/bed.json" \
    "${coordinator_options[@]}" "${options[@]}" >"$work/coordinator.log" 2>&1 &
coordinator=$!
# The worker starts once the seed listens (a failed first association is retried only after 5 s).
for _ in $(seq 600); do
    grep -q ' is up with roles ' "$work/coordinator.log" && break
    kill -0 "$coordinator" 2>/dev/null || break
    sleep 0.1
done
workers=()
for n in $(seq 2 $((first_worker - 1))); do
    ip netns exec "$bed-$n" dotnet "$dll" node --roles parameter-server --hostname "$("$here/netbed.sh" address "$bed" "$n")" --port 4053 \
        --seed-nodes "$a1:4053" >"$work/server-$n.log" 2>&1 &
    workers+=($!)
done
for n in $(seq "$first_worker" $((first_worker - 1 + worker_nodes))); do
    ip netns exec "$bed-$n" dotnet "$dll" node --roles worker --hostname "$("$here/netbed.sh" address "$bed" "$n")" --port 4053 \
        --seed-nodes "$a1:4053" --workers $((2 / worker_nodes)) --data "$data" >"$work/worker-$n.log" 2>&1 &
    workers+=($!)
done
status=0
wait "$coordinator" || status=$?
for worker in "${workers[@]}"; do
    wait "$worker" || status=$((status == 0 ? $? : status))
done
grep -E '^epoch |^done' "$work/coordinator.log" | sed 's/^/  bed: /'
if (( status != 0 )) || [[ ! -f $work/bed.json ]]; then
    echo "bench-w1: the run on the bed failed (exit $status):" >&2
    tail -n 5 "$work/coordinator.log" "$work"/worker-*.log "$work"/server-*.log >&2 2>/dev/null
    exit 1
fi

echo "the same in one process: disttrain train --workers 2 --ps-shards $shards ${options[*]}"
dotnet "$dll" train --workers 2 --ps-shards "$shards" --seed 0 --quiet --data "$data" --epochs "$epochs" --metrics-out "$work/process.json" \
    "${options[@]}" | grep -E '^epoch |^done' | sed 's/^/  one process: /'

bed_rate=$(median_after_first "$work/bed.json")
process_rate=$(median_after_first "$work/process.json")
awk -v r="$rate" -v b="$bed_rate" -v p="$process_rate" -v e="$epochs" -v o="${options[*]:+ ${options[*]}}" 'BEGIN {
    printf "W1 sync%s, median samples/s of epochs 2-%d: bed at %s %.0f, one process %.0f, ratio %.2fx\n", o, e, r, b, p, b / p }'

#!/usr/bin/env bash
# bench-matrix.sh [EPOCHS]: W1 sync on the network test bed in every configuration the bed can
# run: 1 and 10 Gbit/s links, one worker node with 2 workers or two with 1 each, and the wire
# fp32, bf16, and bf16 with top-k 1 % (after a one-epoch warm-up), all with 16 server shards (the
# shards pipeline push, apply and pull); then bf16 at 1 Gbit/s with 1, 2 and 16 shards, the
# overlap on and off. One line per run: the configuration, the bed's median samples/s over the
# epochs after the first, the single process's (bench-w1.sh), and `disttrain project`'s for the
# same cluster on this host (--host-cores: the bed's namespaces share this machine's cores),
# measured right after the run, with its deviation from the bed. Needs root. EPOCHS defaults to 3.
# RATES="10gbit" runs the listed rates only (and the shard runs only where 1gbit is among them).
#
#   sudo tests/netbed/bench-matrix.sh 3 | tee matrix.txt
#   RATES=10gbit sudo -E tests/netbed/bench-matrix.sh 3
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
epochs=${1:-3}
root=$(cd "$here/../.." && pwd)
dll=${DISTTRAIN_DLL:-$root/samples/DistTrain.Launcher/bin/Release/net10.0/disttrain.dll}
read -r -a rates <<<"${RATES:-1gbit 10gbit}"
declare -A wires=(
    [fp32]=""
    [bf16]="--wire bf16"
    [topk]="--wire bf16 --compress topk:0.01 --compress-warmup 468"
)

run() {
    local rate=$1 nodes=$2 shards=$3 wire=$4
    # shellcheck disable=SC2086
    line=$(SHARDS=$shards WORKER_NODES=$nodes "$here/bench-w1.sh" "$rate" "$epochs" ${wires[$wire]} | tail -n 1)
    bed=$(sed -E 's/.*bed at [^ ]+ ([0-9]+),.*/\1/' <<<"$line")
    process=$(sed -E 's/.*one process ([0-9]+),.*/\1/' <<<"$line")
    # shellcheck disable=SC2086
    projected=$(dotnet "$dll" project --json --host-cores "$(nproc)" --nodes "$nodes" --workers-per-node $((2 / nodes)) \
        --ps-shards "$shards" --link "$rate" ${wires[$wire]%%--compress-warmup*} \
        | python3 -c 'import json, sys; print(round(json.load(sys.stdin)["projections"][-1]["samplesPerSecond"]))')
    printf '%-7s %d worker node(s) %2d shards %-5s bed %6d samples/s   one process %6d   projected %6d (%+.0f %%)\n' \
        "$rate" "$nodes" "$shards" "$wire" "$bed" "$process" "$projected" "$(awk -v p="$projected" -v b="$bed" 'BEGIN { print (p / b - 1) * 100 }')"
}

for rate in "${rates[@]}"; do
    for nodes in 1 2; do
        for wire in fp32 bf16 topk; do
            run "$rate" "$nodes" 16 "$wire"
        done
    done
done
if [[ " ${rates[*]} " == *" 1gbit "* ]]; then
    for shards in 1 2; do
        run 1gbit 1 "$shards" bf16
    done
fi

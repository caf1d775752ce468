#!/usr/bin/env bash
# W1 with the parameter servers and the workers in separate processes against all in one
# process, alternating ROUNDS times: `disttrain node` with the coordinator and parameter-server
# roles in one process and a worker node with WORKERS workers in another (loopback, tensors over
# the tensor channel), then `disttrain train` with the same workers and shards. Prints each run's
# training samples/s (the metrics document's final.samplesPerSecond) and the median ratio, and,
# where /usr/bin/time is installed, the CPU seconds (user + system) and voluntary context switches
# of the two split processes together. DISTTRAIN_DLL=path runs another build of the launcher.
# The two processes talk through the tensor channel's shared-memory ring, as nodes of one host do;
# SHARED_MEMORY=0 makes them talk over TCP (`disttrain node --shared-memory`).
# usage: compare-w1-split.sh [rounds=3] [epochs=3] [workers=2] [shards=2]
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
root="$here/../.."
rounds=${1:-3} epochs=${2:-3} workers=${3:-2} shards=${4:-2}
data="${DISTTRAIN_DATA:-/usr/share/datasets/fashion-mnist}"
if [[ -z ${DISTTRAIN_DLL:-} ]]; then
  dotnet build "$root/samples/DistTrain.Launcher" -c Release -v q -nologo >/dev/null
fi
launcher="dotnet ${DISTTRAIN_DLL:-$root/samples/DistTrain.Launcher/bin/Release/net10.0/disttrain.dll}"
timed() { local out=$1; shift; if [[ -x /usr/bin/time ]]; then /usr/bin/time -f "%U %S %w" -o "$out" "$@"; else "$@"; fi; }
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
rate() { python3 -c "import json,sys; print(round(json.load(open(sys.argv[1]))['final']['samplesPerSecond']))" "$1"; }
median() { sort -n | awk '{ v[NR] = $1 } END { print (NR % 2 ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2) }'; }
common=(--data "$data" --epochs "$epochs" --batch 128 --ps-shards "$shards" --quiet)
ring=(${SHARED_MEMORY:+--shared-memory "$SHARED_MEMORY"})
for round in $(seq "$rounds"); do
  port=$((20000 + RANDOM % 20000))
  timed "$work/coordinator.time" $launcher node --roles coordinator,parameter-server --hostname 127.0.0.1 --port "$port" "${ring[@]}" \
    --min-workers "$workers" --metrics-out "$work/split.json" "${common[@]}" > "$work/coordinator.log" 2>&1 &
  coordinator=$!
  timed "$work/worker.time" $launcher node --roles worker --hostname 127.0.0.1 --port 0 --seed-nodes "127.0.0.1:$port" "${ring[@]}" \
    --data "$data" --workers "$workers" > "$work/worker.log" 2>&1
  wait "$coordinator"
  split=$(rate "$work/split.json")
  cpu=""
  if [[ -f $work/worker.time ]]; then
    cpu=$(cat "$work/coordinator.time" "$work/worker.time" | awk '{ cpu += $1 + $2; switches += $3 } END { printf " (split: cpu %.1f s, %d voluntary switches)", cpu, switches }')
  fi
  $launcher train --workers "$workers" --metrics-out "$work/local.json" "${common[@]}" > /dev/null
  local=$(rate "$work/local.json")
  echo "round $round split $split local $local ratio $(awk -v a="$split" -v b="$local" 'BEGIN { printf "%.2f", a / b }')$cpu" | tee -a "$work/results"
done
echo "median ratio split/local $(awk '{ print $8 }' "$work/results" | median)"

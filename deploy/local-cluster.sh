#!/usr/bin/env bash
# Starts a DistTrain cluster of three processes on this machine (loopback): one coordinator and
# parameter-server node that seeds the cluster, and two worker nodes that join it. The run's
# options go to the coordinator; extra arguments are passed on to it, for example:
#   deploy/local-cluster.sh --epochs 2 --save /tmp/model.safetensors
# Every node exits 0 when the run completes; the script exits with the first non-zero code.
set -euo pipefail

root="$(cd "$(dirname "$0")/.." && pwd)"
port="${DISTTRAIN_PORT:-4053}"
data="${DISTTRAIN_DATA:-synthetic}"
workers_per_node="${DISTTRAIN_WORKERS_PER_NODE:-2}"
launcher="$root/samples/DistTrain.Launcher/bin/Release/net10.0/disttrain.dll"

dotnet build "$root/samples/DistTrain.Launcher" -c Release --nologo -v quiet
seed="127.0.0.1:$port"

# The coordinator waits for both worker nodes' workers before the first step.
dotnet "$launcher" node --roles coordinator,parameter-server --hostname 127.0.0.1 --port "$port" \
  --data "$data" --min-workers $((2 * workers_per_node)) "$@" &
coordinator=$!

pids=()
for _ in 1 2; do
  dotnet "$launcher" node --roles worker --hostname 127.0.0.1 --port 0 --seed-nodes "$seed" \
    --data "$data" --workers "$workers_per_node" &
  pids+=($!)
done

# Ctrl+C reaches every node (same process group); each leaves the cluster cleanly.
status=0
wait "$coordinator" || status=$?
for pid in "${pids[@]}"; do
  wait "$pid" || { code=$?; [ "$status" -eq 0 ] && status=$code; }
done
exit "$status"

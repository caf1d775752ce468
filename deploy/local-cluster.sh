#!/usr/bin/env bash
# Starts a DistTrain cluster of processes on this machine (loopback): one coordinator and
# parameter-server node that seeds the cluster, and N worker nodes that join it. The run's
# options go to the coordinator; extra arguments are passed on to it, for example:
#   deploy/local-cluster.sh --epochs 2 --save /tmp/model.safetensors
# Environment: DISTTRAIN_WORKER_NODES (N, default 2), DISTTRAIN_WORKERS_PER_NODE (default 2),
# DISTTRAIN_PORT (the seed's port, default 4053), DISTTRAIN_DATA (default synthetic),
# DISTTRAIN_LOGS (where each node's output goes, default a new folder under /tmp).
# Every node exits 0 when the run completes; the script exits with the first non-zero code.
# Ctrl+C stops every node.
set -euo pipefail

root="$(cd "$(dirname "$0")/.." && pwd)"
port="${DISTTRAIN_PORT:-4053}"
data="${DISTTRAIN_DATA:-synthetic}"
worker_nodes="${DISTTRAIN_WORKER_NODES:-2}"
workers_per_node="${DISTTRAIN_WORKERS_PER_NODE:-2}"
logs="${DISTTRAIN_LOGS:-$(mktemp -d /tmp/disttrain-cluster.XXXXXX)}"
launcher="$root/samples/DistTrain.Launcher/bin/Release/net10.0/disttrain.dll"
mkdir -p "$logs"

dotnet build "$root/samples/DistTrain.Launcher" -c Release --nologo -v quiet
seed="127.0.0.1:$port"
echo "coordinator on $seed, $worker_nodes worker node(s) of $workers_per_node worker(s); logs in $logs"

pids=()
stop_all() {
  trap - INT TERM
  echo "stopping every node" >&2
  kill "${pids[@]}" 2>/dev/null || true
  wait || true
  exit 130
}
trap stop_all INT TERM

# The coordinator waits for every worker node's workers before the first step; its output is
# also shown here, the worker nodes' only in their logs.
dotnet "$launcher" node --roles coordinator,parameter-server --hostname 127.0.0.1 --port "$port" \
  --data "$data" --min-workers $((worker_nodes * workers_per_node)) "$@" > >(tee "$logs/coordinator.log") 2>&1 &
coordinator=$!
pids+=("$coordinator")

for n in $(seq "$worker_nodes"); do
  dotnet "$launcher" node --roles worker --hostname 127.0.0.1 --port 0 --seed-nodes "$seed" \
    --data "$data" --workers "$workers_per_node" > "$logs/worker-$n.log" 2>&1 &
  pids+=($!)
done

status=0
for pid in "${pids[@]}"; do
  wait "$pid" || { code=$?; [ "$status" -eq 0 ] && status=$code; }
done
echo "logs in $logs"
exit "$status"

# Sourced by the benchmark scripts that measure the CPU of a cluster on loopback (not run alone),
# with the script's arguments, after it sets default_rounds: reads ROUNDS (default default_rounds)
# and EPOCHS (default 4, at least 2) from them, checks that /usr/bin/time is there, and sets
# rounds, epochs, data, launcher (the built launcher, built now, or DISTTRAIN_DLL's build) and
# work (a folder removed on exit). The processes talk over TCP, as the test bed's namespaces and
# separate hosts do, whose path these scripts measure: SHARED_MEMORY=MIB gives every node that
# ring instead (`disttrain node --shared-memory`; default 0, off).
name=$(basename "$0" .sh)
rounds=${1:-$default_rounds} epochs=${2:-4}
[[ $rounds =~ ^[0-9]+$ && $rounds -ge 1 ]] || { echo "$name: ROUNDS must be 1 or more" >&2; exit 2; }
[[ $epochs =~ ^[0-9]+$ && $epochs -ge 2 ]] || { echo "$name: EPOCHS must be 2 or more" >&2; exit 2; }
[[ -x /usr/bin/time ]] || { echo "$name: needs /usr/bin/time (Debian's time package)" >&2; exit 1; }
data="${DISTTRAIN_DATA:-/usr/share/datasets/fashion-mnist}"
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
if [[ -z ${DISTTRAIN_DLL:-} ]]; then
  dotnet build "$root/samples/DistTrain.Launcher" -c Release -v q -nologo >/dev/null
fi
launcher="dotnet ${DISTTRAIN_DLL:-$root/samples/DistTrain.Launcher/bin/Release/net10.0/disttrain.dll}"
shared_memory=${SHARED_MEMORY:-0}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

# loopback_cluster_cpu WORK SERVER_NODES WORKER_NODES EPOCHS [COORDINATOR OPTIONS...]
#   runs W1 as `disttrain node` processes on 127.0.0.1: the coordinator (with the
#   parameter-server role too when SERVER_NODES is 0), SERVER_NODES parameter-server nodes, and
#   WORKER_NODES worker nodes sharing 2 workers, each process under /usr/bin/time; logs and the
#   metrics document (WORK/metrics.json) go to WORK. Prints "steps cpu-seconds" (user + system of
#   every process).
loopback_cluster_cpu() {
  local work=$1 server_nodes=$2 worker_nodes=$3 epochs=$4
  shift 4
  local port=$((20000 + RANDOM % 20000)) roles=coordinator,parameter-server processes=() steps
  local options=(--min-workers 2 --data "$data" --epochs "$epochs" --batch 128 --seed 0 --quiet --metrics-out "$work/metrics.json")
  if (( server_nodes > 0 )); then
    roles=coordinator
    options+=(--min-ps-nodes "$server_nodes")
  fi
  rm -f "$work"/*.time "$work"/*.log "$work/metrics.json"
  /usr/bin/time -f "%U %S" -o "$work/coordinator.time" $launcher node --roles "$roles" --hostname 127.0.0.1 --port "$port" \
    --shared-memory "$shared_memory" "${options[@]}" "$@" > "$work/coordinator.log" 2>&1 &
  processes+=($!)
  for _ in $(seq 600); do # the others join once the seed listens (a failed first association is retried only after 5 s)
    grep -q ' is up with roles ' "$work/coordinator.log" && break
    sleep 0.1
  done
  for n in $(seq "$server_nodes"); do
    /usr/bin/time -f "%U %S" -o "$work/server-$n.time" $launcher node --roles parameter-server --hostname 127.0.0.1 --port 0 \
      --shared-memory "$shared_memory" --seed-nodes "127.0.0.1:$port" > "$work/server-$n.log" 2>&1 &
    processes+=($!)
  done
  for n in $(seq "$worker_nodes"); do
    /usr/bin/time -f "%U %S" -o "$work/worker-$n.time" $launcher node --roles worker --hostname 127.0.0.1 --port 0 \
      --shared-memory "$shared_memory" --seed-nodes "127.0.0.1:$port" --data "$data" --workers $((2 / worker_nodes)) > "$work/worker-$n.log" 2>&1 &
    processes+=($!)
  done
  wait "${processes[@]}" || true
  steps=$(sed -nE 's/.*the run completed after ([0-9]+) steps.*/\1/p' "$work/coordinator.log" | tail -n 1)
  if [[ -z $steps ]]; then
    echo "the loopback cluster's run did not complete:" >&2
    tail -n 5 "$work"/*.log >&2
    return 1
  fi
  echo "$steps $(cat "$work"/*.time | awk '{ cpu += $1 + $2 } END { print cpu }')"
}

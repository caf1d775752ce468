#!/usr/bin/env bash
# What hot standby costs, measured where this machine's noise lets a few percent show: W1 sync
# on loopback with the coordinator alone, two parameter-server nodes (SHARDS shards, default 2)
# and one worker node with 2 workers, `--ps-replicas 0` and `1` alternating, ROUNDS times. Each
# measurement is a 1-epoch and an EPOCHS-epoch run; their difference gives the CPU seconds
# (user + system, /usr/bin/time, every process) per step without start-up. Prints each round's
# CPU per step and median samples/s of the epochs after the first, then the medians and the
# overhead of `--ps-replicas 1` in both. Last it fits what `disttrain project --host-cores` counts
# for hot standby besides the bytes of the means and the checkpoints (and the backups' Adam where
# shards are too large to hold means), taking what the projection counts for those from its own
# host CPU with and without backups (Adam measured in the same sitting):
#   F_b = (cpu with backups - cpu without) - kappa (4 M + 12 M / K + 2 S H)
# and prints it as the --standby-cpu-per-step to pass. DISTTRAIN_DLL=path runs another build.
# usage: compare-replication-cost.sh [rounds=3] [epochs=4]
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
default_rounds=3
# shellcheck source=loopback-cluster.sh
source "$here/loopback-cluster.sh"
shards=${SHARDS:-2}

# The median samples/s of the epochs after the first, from a metrics document.
rate() {
  python3 -c "import json, statistics, sys; epochs = json.load(open(sys.argv[1]))['epochs'][1:]; \
print(round(statistics.median(e['samplesPerSecond'] for e in epochs)))" "$1"
}

# The projection with backups measures compute and Adam; the one without takes the same figures.
projection=(project --json --host-cores 2 --nodes 1 --workers-per-node 2 --ps-nodes 2 --ps-shards "$shards" --link 10gbit)
$launcher "${projection[@]}" --ps-replicas 1 --standby-cpu-per-step 0 > "$work/projection-1.json"
read -r compute apply < <(python3 -c "import json, sys; d = json.load(open(sys.argv[1])); \
print(d['projections'][0]['computeSecondsPerSample'], d['assumptions']['applySecondsPerParameter'])" "$work/projection-1.json")
$launcher "${projection[@]}" --ps-replicas 0 --compute-per-sample "$compute" --apply-per-parameter "$apply" > "$work/projection-0.json"
for round in $(seq "$rounds"); do
  for replicas in 0 1; do
    short=$(loopback_cluster_cpu "$work" 2 1 1 --ps-shards "$shards" --ps-replicas "$replicas")
    long=$(loopback_cluster_cpu "$work" 2 1 "$epochs" --ps-shards "$shards" --ps-replicas "$replicas")
    read -r short_steps short_cpu <<<"$short"
    read -r long_steps long_cpu <<<"$long"
    cpu=$(awk -v a="$long_cpu" -v b="$short_cpu" -v n=$((long_steps - short_steps)) 'BEGIN { printf "%.3f", (a - b) / n * 1000 }')
    samples=$(rate "$work/metrics.json")
    echo "round $round, --ps-replicas $replicas: $cpu CPU-ms per step, $samples samples/s"
    echo "$replicas $cpu $samples" >> "$work/results"
  done
done

python3 - "$work/results" "$work/projection-0.json" "$work/projection-1.json" <<'PY'
import json, statistics, sys
rows = [line.split() for line in open(sys.argv[1])]
cpu = {r: statistics.median(float(c) for k, c, _ in rows if k == r) for r in ("0", "1")}
rate = {r: statistics.median(float(s) for k, _, s in rows if k == r) for r in ("0", "1")}
print(f"medians: --ps-replicas 0 {cpu['0']:.3f} CPU-ms per step, {rate['0']:.0f} samples/s; "
      f"--ps-replicas 1 {cpu['1']:.3f} CPU-ms per step, {rate['1']:.0f} samples/s")
print(f"hot standby costs {cpu['1'] - cpu['0']:.3f} CPU-ms per step (+{(cpu['1'] / cpu['0'] - 1) * 100:.0f} %) "
      f"and {(1 - rate['1'] / rate['0']) * 100:.0f} % of the samples/s")
# The host CPU of a step, all cores together, as the projection counts it with F_b = 0.
projected = {}
for replicas, path in (("0", sys.argv[2]), ("1", sys.argv[3])):
    document = json.load(open(path))
    projected[replicas] = document["projections"][0]["hostCpuSeconds"] * document["assumptions"]["hostCores"]
counted = projected["1"] - projected["0"]
standby = (cpu["1"] - cpu["0"]) / 1e3 - counted
print(f"of which the projection counts {counted * 1e3:.3f} ms (the bytes of the means and the checkpoints); "
      f"F_b {standby * 1e3:.3f} ms besides: --standby-cpu-per-step {standby:.2g}")
PY

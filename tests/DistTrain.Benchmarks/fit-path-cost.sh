#!/usr/bin/env bash
# Fits the cluster path's CPU costs that `disttrain project --host-cores` counts on one host:
# kappa, CPU seconds per byte moved (both ends), F_n, CPU seconds per worker node and step
# besides the bytes, and F_s, CPU seconds per step whatever the worker nodes. It runs W1 as
# loopback splits (`disttrain node`: coordinator and 16 parameter-server shards in one process,
# 2 workers as one worker node or as two nodes of one worker each in the others) with three
# wires, fp32, bf16 and bf16 with top-k 1 %, each for 1 and for EPOCHS epochs, ROUNDS times, and
# takes the CPU seconds (user + system, /usr/bin/time) of all processes per step from the
# difference, which leaves out start-up. It subtracts what the model already counts, as
# `disttrain project --json` measures it in the same sitting (every worker's compute, Adam, the
# wire's own work), and fits
#   cpu - counted = N (kappa bytes + F_n) + F_s      (N worker nodes, bytes per node and step)
# by least squares over the six runs. Prints the three, how well they fit, and the options to
# pass. DISTTRAIN_DLL=path runs another build.
# usage: fit-path-cost.sh [rounds=2] [epochs=4]
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
default_rounds=2
# shellcheck source=loopback-cluster.sh
source "$here/loopback-cluster.sh"
shards=16
declare -A wires=([fp32]="--wire fp32" [bf16]="--wire bf16" [topk]="--wire bf16 --compress topk:0.01")

for wire in fp32 bf16 topk; do
  for nodes in 1 2; do
    # shellcheck disable=SC2086
    $launcher project --json --host-cores 2 --nodes "$nodes" --workers-per-node $((2 / nodes)) --ps-shards "$shards" \
      --link 10gbit ${wires[$wire]} > "$work/$wire-$nodes.json"
  done
done
for round in $(seq "$rounds"); do
  for wire in fp32 bf16 topk; do
    for nodes in 1 2; do
      # shellcheck disable=SC2086
      short=$(loopback_cluster_cpu "$work" 0 "$nodes" 1 --ps-shards "$shards" ${wires[$wire]})
      # shellcheck disable=SC2086
      long=$(loopback_cluster_cpu "$work" 0 "$nodes" "$epochs" --ps-shards "$shards" ${wires[$wire]})
      read -r short_steps short_cpu <<<"$short"
      read -r long_steps long_cpu <<<"$long"
      echo "round $round, $wire, $nodes worker node(s): $short_steps steps in ${short_cpu} CPU-s, $long_steps steps in ${long_cpu} CPU-s"
      echo "$wire-$nodes $((long_steps - short_steps)) $(awk -v a="$long_cpu" -v b="$short_cpu" 'BEGIN { print a - b }')" >> "$work/runs"
    done
  done
done

python3 - "$work" <<'EOF'
import json, sys
work = sys.argv[1]
steps, cpu = {}, {}
for line in open(f"{work}/runs"):
    run, n, seconds = line.split()
    steps[run] = steps.get(run, 0) + int(n)
    cpu[run] = cpu.get(run, 0) + float(seconds)
rows = []  # (run, [N bytes, N, 1], path seconds per step)
for run in sorted(steps):
    document = json.load(open(f"{work}/{run}.json"))
    model, step = document["assumptions"], document["projections"][-1]
    m, nodes = model["parameters"], step["workerNodes"]
    counted = (step["workers"] * step["computeSeconds"] + model["applySecondsPerParameter"] * m
               + nodes * model["wireSecondsPerStep"])
    moved = m * (model["upBytesPerParameter"] + model["downBytesPerParameter"]) + 2 * model["shards"] * model["headerBytes"]
    per_step = cpu[run] / steps[run]
    rows.append((run, [nodes * moved, nodes, 1.0], per_step - counted))
    print(f"{run}: {per_step * 1e3:.3f} CPU-ms per step, the model counts {counted * 1e3:.3f} "
          f"(compute, Adam, wire), the path {(per_step - counted) * 1e3:.3f} for {nodes} x {moved / 1e6:.3f} MB")

# Least squares: solve the normal equations (X^T X) b = X^T y by Gaussian elimination.
a = [[sum(x[i] * x[j] for _, x, _ in rows) for j in range(3)] + [sum(x[i] * y for _, x, y in rows)] for i in range(3)]
for i in range(3):
    pivot = max(range(i, 3), key=lambda r: abs(a[r][i]))
    a[i], a[pivot] = a[pivot], a[i]
    for r in range(3):
        if r != i:
            f = a[r][i] / a[i][i]
            a[r] = [v - f * w for v, w in zip(a[r], a[i])]
kappa, per_node, per_step = (a[i][3] / a[i][i] for i in range(3))
for run, x, y in rows:
    fitted = kappa * x[0] + per_node * x[1] + per_step * x[2]
    print(f"  {run}: fitted {fitted * 1e3:.3f} CPU-ms against {y * 1e3:.3f}")
print(f"kappa {kappa:.3g} s per byte, F_n {per_node:.3g} s per worker node and step, F_s {per_step:.3g} s per step")
print(f"disttrain project --host-cores CORES --path-cpu-per-byte {kappa:.3g} --path-cpu-per-node-step {per_node:.3g} "
      f"--path-cpu-per-step {per_step:.3g} ...")
EOF

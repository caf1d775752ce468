#!/usr/bin/env bash
# W1's test accuracy with top-k 1 % gradients and bf16 updates against fp32, over several seeds:
# one run is not enough, since the final accuracy of a 5-epoch W1 run moves by about a point from
# seed to seed. Each seed trains `disttrain train --workers 1` twice in one process, once fp32 and
# once with `--wire bf16 --compress topk:RATIO --compress-warmup` (WARMUP_EPOCHS epochs of steps).
# One worker is one sender with one residual, as one worker node is on a cluster (it sums its
# workers' slots first), and a shard in the process gets exactly what one across a network gets.
# Prints each seed's final accuracies and the means.
# usage: compare-topk-accuracy.sh [seeds=6] [epochs=5] [warmup-epochs=2] [ratio=0.01]
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
root="$here/../.."
seeds=${1:-6} epochs=${2:-5} warmup_epochs=${3:-2} ratio=${4:-0.01}
data="${DISTTRAIN_DATA:-/usr/share/datasets/fashion-mnist}"
dotnet build "$root/samples/DistTrain.Launcher" -c Release -v q -nologo >/dev/null
launcher="dotnet $root/samples/DistTrain.Launcher/bin/Release/net10.0/disttrain.dll"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
accuracy() { python3 -c "import json,sys; print(round(100 * json.load(open(sys.argv[1]))['final']['testAccuracy'], 2))" "$1"; }
batch=128
warmup_steps=$(( warmup_epochs * (60000 / batch + (60000 % batch > 0)) ))
common=(--data "$data" --epochs "$epochs" --batch "$batch" --workers 1 --quiet)
for seed in $(seq "$seeds"); do
  $launcher train "${common[@]}" --seed "$seed" --metrics-out "$work/fp32.json" > /dev/null
  $launcher train "${common[@]}" --seed "$seed" --wire bf16 --compress "topk:$ratio" --compress-warmup "$warmup_steps" \
    --metrics-out "$work/topk.json" > /dev/null
  echo "seed $seed fp32 $(accuracy "$work/fp32.json") topk $(accuracy "$work/topk.json")" | tee -a "$work/results"
done
awk -v warmup="$warmup_steps" '{ f += $4; t += $6 } END { printf "mean fp32 %.2f %%, top-k %.2f %% (warm-up %d steps): %.2f points under\n", f / NR, t / NR, warmup, (f - t) / NR }' "$work/results"

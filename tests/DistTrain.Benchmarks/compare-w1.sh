#!/usr/bin/env bash
# W1 side by side: alternates TorchSharp (../shared/peers/torchsharp.sh) and DistTrain's
# Trainer ROUNDS times with the same epochs, threads and batch, and prints each run's
# steady-state samples/s (median of epochs 2..E), test accuracy after the last epoch, and the
# ratio of the medians. Run ../shared/peers/setup-torchsharp.sh once first.
# usage: compare-w1.sh [rounds=3] [epochs=5] [threads=2] [batch=128]
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
peers="${PEERS:-$here/../../../shared/peers}"
rounds=${1:-3} epochs=${2:-5} threads=${3:-2} batch=${4:-128}
dotnet build "$here" -c Release -v q -nologo >/dev/null
bench="dotnet $here/bin/Release/net10.0/DistTrain.Benchmarks.dll"
median() { sort -n | awk '{ v[NR] = $1 } END { print (NR % 2 ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2) }'; }
steady() { awk '/^epoch/ && $2 > 1 { print $4 }' | median; }
final_accuracy() { awk '/^epoch/ { a = $8 } END { print a }'; }
results=$(mktemp)
for round in $(seq "$rounds"); do
  for system in torchsharp disttrain; do
    if [ "$system" = torchsharp ]; then out=$("$peers/torchsharp.sh" "$epochs" "$threads" "$batch"); else out=$($bench w1 "$epochs" "$threads" "$batch"); fi
    line="$system round $round samples/s $(echo "$out" | steady) test_acc $(echo "$out" | final_accuracy)"
    echo "$line" | tee -a "$results"
  done
done
peer=$(awk '$1 == "torchsharp" { print $5 }' "$results" | median)
ours=$(awk '$1 == "disttrain" { print $5 }' "$results" | median)
echo "median samples/s: torchsharp $peer, disttrain $ours; ratio disttrain/torchsharp $(awk -v a="$ours" -v b="$peer" 'BEGIN { printf "%.2f", a / b }')"

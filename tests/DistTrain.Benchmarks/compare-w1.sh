#!/usr/bin/env bash
# W1 side by side: alternates TorchSharp (../shared/peers/torchsharp.sh), DistTrain's Trainer
# and, with SYSTEMS="torchsharp disttrain engine", the actor engine in sync mode, ROUNDS times
# with the same epochs, threads (workers) and batch; prints each run's steady-state samples/s
# (median of epochs 2..E) and test accuracy after the last epoch, then each system's median
# and its ratio to TorchSharp's. Run ../shared/peers/setup-torchsharp.sh once first.
# usage: [SYSTEMS=...] compare-w1.sh [rounds=3] [epochs=5] [threads=2] [batch=128]
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
  for system in ${SYSTEMS:-torchsharp disttrain}; do
    case $system in
      torchsharp) out=$("$peers/torchsharp.sh" "$epochs" "$threads" "$batch") ;;
      disttrain) out=$($bench w1 "$epochs" "$threads" "$batch") ;;
      engine) out=$($bench engine-w1 "$epochs" "$threads" "$batch" sync) ;;
    esac
    line="$system round $round samples/s $(echo "$out" | steady) test_acc $(echo "$out" | final_accuracy)"
    echo "$line" | tee -a "$results"
  done
done
peer=$(awk '$1 == "torchsharp" { print $5 }' "$results" | median)
for system in ${SYSTEMS:-torchsharp disttrain}; do
  ours=$(awk -v s="$system" '$1 == s { print $5 }' "$results" | median)
  echo "median samples/s $system $ours; ratio to torchsharp $(awk -v a="$ours" -v b="$peer" 'BEGIN { printf "%.2f", a / b }')"
done

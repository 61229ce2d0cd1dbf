#!/usr/bin/env bash
# Wall clock of a validated lock in a Swift task against one on a plain
# thread (issue 14): lock-bench's "nested" row (`--worker nested`) and the
# same row inside a Swift task (`--worker nested-task`), for one or more
# lock-bench binaries, interleaved round by round; medians and spreads of
# the checked loop's ns per lock+unlock and of its ratio to plain pthread
# mutexes in the same process, with the load average.
#   Benchmarks/task-lock-bench.sh [ROUNDS (9)] [LOCK-BENCH BINARY...]   (default: this tree's release build)
# A second binary (say, main's, built from `git archive main` in another
# directory) gives a before/after comparison; instruction counts, which do
# not depend on the load, are Benchmarks/callgrind-lock-path.sh's.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
rounds=${1:-9}
shift || true
bins=("$@")
if [ ${#bins[@]} -eq 0 ]; then
    swift build -c release --package-path "$here" --product lock-bench >&2
    bins=("$here/.build/release/lock-bench")
fi
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
echo "load average at start: $(cut -d' ' -f1-3 /proc/loadavg)"
for ((r = 0; r < rounds; r++)); do
    for i in "${!bins[@]}"; do
        for worker in nested nested-task; do
            "${bins[$i]}" --worker "$worker" --rounds 5 --iterations 200000 > "$out/run.txt"
            awk -v f="$out/$i-$worker" '$1 == "checked_ns" { print $2 >> (f ".ns") } $1 == "ratio" { print $2 >> (f ".ratio") }' "$out/run.txt"
        done
    done
done
echo "load average at end: $(cut -d' ' -f1-3 /proc/loadavg)"
stats() { sort -g "$1" | awk '{ v[NR] = $1 } END { printf "%.2f (%.2f–%.2f)", (NR % 2 ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2), v[1], v[NR] }'; }
echo "| binary | worker | checked ns per lock+unlock, median (min–max) | ratio to plain pthread, median (min–max) |"
echo "|---|---|---:|---:|"
for i in "${!bins[@]}"; do
    for worker in nested nested-task; do
        echo "| ${bins[$i]} | $worker | $(stats "$out/$i-$worker.ns") | $(stats "$out/$i-$worker.ratio") |"
    done
done

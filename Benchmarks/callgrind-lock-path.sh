#!/usr/bin/env bash
# Instructions per lock + unlock on the validated hot path (issue 4): the
# nested A→B→C loop of lock-bench (`--worker profile`) under callgrind,
# counted only inside the loop, per function. Instruction counts do not
# depend on the machine's load, unlike the timings of lock-bench.sh.
#   Benchmarks/callgrind-lock-path.sh [ITERATIONS (100000)] [WORKER (profile; profile-task: the loop in a Swift task)]
#   LOCKCHECK=off Benchmarks/callgrind-lock-path.sh   # the same loop with validation off
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
iters=${1:-100000}
worker=${2:-profile}
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
swift build -c release --package-path "$here" --product lock-bench >&2
# valgrind 3.19 cannot read the DWARF 5 of this binary: keep the symbols, drop the debug info.
cp "$here/.build/release/lock-bench" "$out/lock-bench"
strip --strip-debug "$out/lock-bench"
mode=${LOCKCHECK:-report}
LOCKCHECK=$mode valgrind --tool=callgrind --callgrind-out-file="$out/cg" --toggle-collect='*CheckedLocks*run*' \
    "$out/lock-bench" --worker "$worker" --iterations "$iters" 2> "$out/valgrind.txt"
total=$(grep -m1 'refs:' "$out/valgrind.txt" | awk '{gsub(",", "", $4); print $4}')
ops=$((iters * 3))
echo "instructions per lock + unlock (CheckedMutex, LOCKCHECK=$mode, nested A→B→C, $iters iterations): $(awk -v t="$total" -v o="$ops" 'BEGIN{printf "%.1f", t/o}')"
echo "per function (instructions per lock + unlock):"
demangle=(cat)
if command -v swift-demangle > /dev/null; then demangle=(swift-demangle --simplified); fi
callgrind_annotate --threshold=99 "$out/cg" 2>/dev/null | awk -v o="$ops" '
    /file:function/ { table = 1; getline; next }
    table && /^$/ { exit }
    table { n = $1; gsub(",", "", n); sub(/^ *[0-9,]+ \( *[0-9.]+%\)  /, ""); if (n / o >= 1) printf "  %7.1f  %s\n", n / o, $0 }' \
    | "${demangle[@]}" | cut -c1-150

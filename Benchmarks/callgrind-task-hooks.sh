#!/usr/bin/env bash
# Instructions per call of lockcheck's Swift-runtime hooks (issue 14): the
# resume and cancel entry points lockcheck defines in the program, each
# inclusive of the validator's work (the swift-task-status pseudo-lock's
# acquire and release) and of the runtime's own function it forwards to.
# Instruction counts do not depend on the machine's load.
#   Benchmarks/callgrind-task-hooks.sh [ITERATIONS (2000)]
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
iters=${1:-2000}
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
swift build -c release --package-path "$here" --product task-hooks-bench >&2
cp "$here/.build/release/task-hooks-bench" "$out/task-hooks-bench"
strip --strip-debug "$out/task-hooks-bench"
for mode in report off; do
    LOCKCHECK=$mode valgrind --tool=callgrind --callgrind-out-file="$out/cg-$mode" \
        "$out/task-hooks-bench" "$iters" > /dev/null 2> "$out/valgrind-$mode.txt"
    echo "LOCKCHECK=$mode: inclusive instructions per iteration ($iters iterations; per iteration: the unsafe"
    echo "  resume 1 call + the handler's resume 1 call (swift_continuation_resume 2), CheckedContinuation.resume 1, Task.cancel 1)"
    callgrind_annotate --inclusive=yes --threshold=100 "$out/cg-$mode" 2>/dev/null | awk -v it="$iters" '
        /file:function/ { table = 1; getline; next }
        table && /^$/ { exit }
        table && /swift_task_switch|swift_continuation_await|SuspensionPoints|swift_continuation_resume|lc_task_status_enter|lc_task_status_exit|sScT6cancelyyF|sScC6resume9returning|swift_task_cancel|task_status_hook|TaskStatusLock/ {
            n = $1; gsub(",", "", n); sub(/^ *[0-9,]+ \( *[0-9.]+%\)  /, ""); printf "  %9.1f  %s\n", n / it, $0 }' | cut -c1-160
done

#!/usr/bin/env bash
# preload-bench.sh: lock-bench's nested workload (Benchmarks/peers/nested-locks.c,
# three pthread mutexes A→B→C) plain, under `lockcheck run`, ThreadSanitizer
# and Helgrind; the same binary for plain, lockcheck and Helgrind (issue 17).
#   Benchmarks/preload-bench.sh
# Knobs: ITERATIONS (1000000), HELGRIND_ITERATIONS (20000), OUT_DIR (/tmp/preload-bench),
#   LIBRARY (default: the parent package's .build/release/liblockcheck-preload.so; build it with
#   swift build -c release --product lockcheck-preload). The library is preloaded the way
#   `lockcheck run` does it: LD_PRELOAD=<library> LOCKCHECK=report [LOCKCHECK_TRACE=...].
#   PAIRS (5): interleaved runs, plain then preloaded (then BASELINE), after the table: the load
#   moves the plain figure between runs, so compare within one line.
#   BASELINE: another build of the library (say, main's) to interleave with LIBRARY.
#   CALLGRIND=1: also instructions per lock+unlock inside the loop (valgrind --tool=callgrind,
#   ITERATIONS/10 iterations; the libraries are copied with their DWARF stripped, which valgrind
#   3.19 cannot read), which do not depend on the load.
#   PEERS=0: skip TSan and Helgrind.
#   CLOCK=cpu: the interleaved pairs time each round by the thread's CPU time, not the wall
#   clock (time spent descheduled by other load is left out; cache interference is not).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(dirname "$here")
out=${OUT_DIR:-/tmp/preload-bench}; mkdir -p "$out"
iters=${ITERATIONS:-1000000}; hiters=${HELGRIND_ITERATIONS:-20000}
swiftlib=$(dirname "$(dirname "$(command -v swiftc)")")/lib/swift/linux
tsan="-fsanitize=thread -L$swiftlib -Wl,-rpath,$swiftlib -ldispatch -lBlocksRuntime"
library=${LIBRARY:-$root/.build/release/liblockcheck-preload.so}
[ -f "$library" ] || { echo "build first: swift build -c release --product lockcheck-preload" >&2; exit 2; }

clang -O2 -pthread -o "$out/nested" "$here/peers/nested-locks.c"
clang -O2 -g -pthread $tsan -o "$out/nested-tsan" "$here/peers/nested-locks.c"

ns() { awk '{print $4}'; }
baseline=${BASELINE:-}
if [ "${PEERS:-1}" = 0 ]; then
    pairs_only=1
else
    pairs_only=0
fi
if [ "$pairs_only" = 1 ]; then :; else
plain=$("$out/nested" "$iters" | ns)
lc=$(LD_PRELOAD="$library" LOCKCHECK=report "$out/nested" "$iters" | ns)
lc_trace=$(LD_PRELOAD="$library" LOCKCHECK=report LOCKCHECK_TRACE="$out/nested.trace" "$out/nested" "$iters" | ns)
tsan_ns=$(TSAN_OPTIONS=detect_deadlocks=1 "$out/nested-tsan" "$iters" | ns)
plain_h=$("$out/nested" "$hiters" | ns)
helgrind_ns=$(valgrind --tool=helgrind "$out/nested" "$hiters" 2>"$out/helgrind-nested.txt" | ns)
ratio() { awk -v a="$1" -v b="$2" 'BEGIN{printf "%.2f×", a/b}'; }
cat <<T | tee "$out/preload.txt"

| nested A→B→C over pthread mutexes (same C binary) | iterations | ns/op (lock+unlock) | ratio to plain |
|---|---:|---:|---:|
| plain (\`clang -O2\`) | $iters | $plain | 1.00× |
| \`lockcheck run\` (release liblockcheck-preload.so) | $iters | $lc | $(ratio "$lc" "$plain") |
| \`lockcheck run --trace\` (recording) | $iters | $lc_trace | $(ratio "$lc_trace" "$plain") |
| ThreadSanitizer (\`clang -fsanitize=thread\`, detect_deadlocks=1; rebuilt) | $iters | $tsan_ns | $(ratio "$tsan_ns" "$plain") |
| Helgrind (\`valgrind --tool=helgrind\`; plain at this count: $plain_h ns) | $hiters | $helgrind_ns | $(ratio "$helgrind_ns" "$plain_h") |
T
fi

ratio2() { awk -v a="$1" -v b="$2" 'BEGIN{printf "%.2f", a/b}'; }
echo
echo "interleaved pairs ($iters iterations each, ${CLOCK:-wall} clock; ns per lock+unlock, ratio to the plain run just before):"
clock=${CLOCK:-wall}
for i in $(seq "${PAIRS:-5}"); do
    p=$("$out/nested" "$iters" "$clock" | ns)
    l=$(LD_PRELOAD="$library" LOCKCHECK=report "$out/nested" "$iters" "$clock" | ns)
    line="pair $i: plain $p, lockcheck $l ($(ratio2 "$l" "$p")x)"
    if [ -n "$baseline" ]; then
        b=$(LD_PRELOAD="$baseline" LOCKCHECK=report "$out/nested" "$iters" "$clock" | ns)
        line="$line, baseline $b ($(ratio2 "$b" "$p")x)"
    fi
    echo "$line"
done | tee "$out/pairs.txt" | tee -a "$out/preload.txt"
# The median and the spread of each column's ratios (the nth "(r x)" of each line).
summary() {  # column label
    grep -o '([0-9.]*x)' "$out/pairs.txt" | awk -v c="$1" 'NR % n == c % n' n="$( [ -n "$baseline" ] && echo 2 || echo 1 )" \
        | tr -d '()x' | sort -n | awk -v label="$2" '{ v[NR] = $1 } END {
            m = NR % 2 ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2
            printf "%s: median %.2fx, %.2f-%.2fx over %d pairs\n", label, m, v[1], v[NR], NR }'
}
{ summary 1 "lockcheck"; [ -n "$baseline" ] && summary 2 "baseline"; true; } | tee -a "$out/preload.txt"

if [ "${CALLGRIND:-0}" = 1 ]; then
    citers=$((iters / 10))
    # run() is called for the warm-up (n/10 + 1) and 5 rounds (n each), 3 lock+unlock per iteration.
    ops=$(( (citers / 10 + 1 + 5 * citers) * 3 ))
    count() {  # [library]
        local pre=()
        if [ -n "${1:-}" ]; then
            cp "$1" "$out/cg-lib.so"; strip --strip-debug "$out/cg-lib.so"
            pre=(env LD_PRELOAD="$out/cg-lib.so" LOCKCHECK=report)
        fi
        "${pre[@]}" valgrind --tool=callgrind --callgrind-out-file="$out/cg.out" --toggle-collect=run \
            "$out/nested" "$citers" > /dev/null 2> "$out/cg.txt"
        grep -m1 'refs:' "$out/cg.txt" | awk -v o="$ops" '{gsub(",", "", $4); printf "%.1f", $4 / o}'
    }
    line="callgrind, instructions per lock+unlock in the loop ($citers iterations): plain $(count), lockcheck $(count "$library")"
    [ -n "$baseline" ] && line="$line, baseline $(count "$baseline")"
    echo "$line" | tee -a "$out/preload.txt"
fi

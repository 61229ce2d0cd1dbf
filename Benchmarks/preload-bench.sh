#!/usr/bin/env bash
# preload-bench.sh: lock-bench's nested workload (Benchmarks/peers/nested-locks.c,
# three pthread mutexes A→B→C) plain, under `lockcheck run`, ThreadSanitizer
# and Helgrind; the same binary for plain, lockcheck and Helgrind (issue 17).
#   Benchmarks/preload-bench.sh
# Knobs: ITERATIONS (1000000), HELGRIND_ITERATIONS (20000), OUT_DIR (/tmp/preload-bench),
#   LIBRARY (default: the parent package's .build/release/liblockcheck-preload.so; build it with
#   swift build -c release --product lockcheck-preload). The library is preloaded the way
#   `lockcheck run` does it: LD_PRELOAD=<library> LOCKCHECK=report [LOCKCHECK_TRACE=...].
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

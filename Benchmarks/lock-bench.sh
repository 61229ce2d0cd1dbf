#!/usr/bin/env bash
# lock-bench.sh: instrumented locks (issue 4) and their peers, one table.
#   Benchmarks/lock-bench.sh
# Knobs: ROUNDS (7), ITERATIONS (1000000), HELGRIND_ITERATIONS (20000), OUT_DIR (/tmp/lock-bench)
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
out=${OUT_DIR:-/tmp/lock-bench}; mkdir -p "$out"
rounds=${ROUNDS:-7}; iters=${ITERATIONS:-1000000}; hiters=${HELGRIND_ITERATIONS:-20000}
# The Swift toolchain's clang links its TSan runtime against libdispatch and BlocksRuntime.
swiftlib=$(dirname "$(dirname "$(command -v swiftc)")")/lib/swift/linux
tsan="-fsanitize=thread -L$swiftlib -Wl,-rpath,$swiftlib -ldispatch -lBlocksRuntime"

echo "== build" >&2
swift build -c release --package-path "$here" --product lock-bench >&2
clang -O2 -pthread -o "$out/nested" "$here/peers/nested-locks.c"
clang -O2 -g -pthread $tsan -o "$out/nested-tsan" "$here/peers/nested-locks.c"
clang -O2 -g -pthread $tsan -o "$out/abba-tsan" "$here/peers/abba.c"
gcc -O2 -g -pthread -fsanitize=thread -o "$out/abba-tsan-gcc" "$here/peers/abba.c"
clang -O0 -gdwarf-4 -pthread -o "$out/abba" "$here/peers/abba.c"

echo "== lock-bench" >&2
"$here/.build/release/lock-bench" --rounds "$rounds" --iterations "$iters" | tee "$out/lock-bench.txt"

echo "== peers" >&2
ns() { awk '{print $4}'; }
plain=$("$out/nested" "$iters" | ns)
tsan_ns=$(TSAN_OPTIONS=detect_deadlocks=1 "$out/nested-tsan" "$iters" | ns)
plain_h=$("$out/nested" "$hiters" | ns)
helgrind_ns=$(valgrind --tool=helgrind "$out/nested" "$hiters" 2>"$out/helgrind-nested.txt" | ns)
ratio() { awk -v a="$1" -v b="$2" 'BEGIN{printf "%.1f×", a/b}'; }
tsan_abba=$(TSAN_OPTIONS=detect_deadlocks=1 "$out/abba-tsan" 2>&1 >/dev/null | grep -m1 WARNING || true)
tsan_gcc_abba=$(TSAN_OPTIONS=detect_deadlocks=1 "$out/abba-tsan-gcc" 2>&1 >/dev/null | grep -m1 WARNING || true)
helgrind_abba=$(valgrind --tool=helgrind "$out/abba" 2>&1 >/dev/null | grep -m1 'lock order' | sed 's/^==[0-9]*== //' || true)
yn() { if [ -n "$1" ]; then echo "yes: \`$1\`"; else echo "no (silent, exit 0)"; fi; }
cat <<T | tee "$out/peers.txt"

| peer (nested A→B→C over pthread mutexes, C) | iterations | ns/op | ratio to plain | detects abba.c (ABBA, never overlapping) |
|---|---:|---:|---:|---|
| plain (\`clang -O2\`) | $iters | $plain | 1.0× | — |
| ThreadSanitizer (\`clang -fsanitize=thread\`, \`TSAN_OPTIONS=detect_deadlocks=1\`) | $iters | $tsan_ns | $(ratio "$tsan_ns" "$plain") | $(yn "$tsan_abba") |
| ThreadSanitizer, gcc 12 (\`gcc -fsanitize=thread\`), abba only | | | | $(yn "$tsan_gcc_abba") |
| Helgrind (\`valgrind --tool=helgrind\`; plain at this count: $plain_h ns) | $hiters | $helgrind_ns | $(ratio "$helgrind_ns" "$plain_h") | $(yn "$helgrind_abba") |
T

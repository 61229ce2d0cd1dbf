#!/usr/bin/env bash
# Issue 19's two ratio rows, re-measured in one run on one machine, with
# interleaved rounds, medians and spreads (a shared machine's load moves
# single runs by 2x):
#
#   1. `lockcheck analyze` (two threads, the default) against the bare C line
#      parser (c-baseline/parse-lines.c) on the same 5 M-event `tracegen`
#      trace: wall seconds of each, per round, and their ratio. Goal <= 2x.
#   2. `DeferredFreeQueue.deferFree(_:head:)` against an immediate free(3) of
#      the same 1,000,000 malloc'd 64-byte objects (deferred-free-bench's
#      `enqueue:` line, validation off): ns an object of each, per round, and
#      their ratio. Goal <= 2x. With CALLGRIND=1 (valgrind installed), also
#      instructions per call of each, from one callgrind run (64,000 objects).
#
# Each round runs, in order: `cat trace > /dev/null` (the page cache), the C
# parser, lockcheck analyze, then deferred-free-bench; with BASE_LOCKCHECK_BIN
# and BASE_DFB (binaries of an older build) the same for them, interleaved,
# so every round compares before and after under the same load. The load
# average is printed before and after.
#
# usage: Benchmarks/issue19-ratios.sh
# environment: ROUNDS (15), EVENTS (5000000), OUT_DIR (/tmp/issue19-ratios),
#              LOCKCHECK_BIN (a lockcheck binary; default: built in release here),
#              DFB (a deferred-free-bench binary; default: built in release),
#              BASE_LOCKCHECK_BIN, BASE_DFB (optional "before" binaries),
#              CALLGRIND (0; 1 adds the instruction counts), CC (cc)
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
ROUNDS="${ROUNDS:-15}"
EVENTS="${EVENTS:-5000000}"
OUT_DIR="${OUT_DIR:-/tmp/issue19-ratios}"
CC="${CC:-cc}"
mkdir -p "$OUT_DIR"

# Not LOCKCHECK: that variable is lockcheck's own switch (off, report, trap),
# read by every instrumented program, the benchmark included.
unset LOCKCHECK
if [[ -z "${LOCKCHECK_BIN:-}" ]]; then
    swift build -c release --product lockcheck --package-path "$ROOT" >&2
    LOCKCHECK_BIN="$(swift build -c release --product lockcheck --package-path "$ROOT" --show-bin-path)/lockcheck"
fi
if [[ -z "${DFB:-}" ]]; then
    swift build -c release --product deferred-free-bench --package-path "$ROOT/Benchmarks" >&2
    DFB="$(swift build -c release --package-path "$ROOT/Benchmarks" --show-bin-path)/deferred-free-bench"
fi
swift build -c release --product tracegen --package-path "$ROOT/Benchmarks" >&2
TRACEGEN="$(swift build -c release --package-path "$ROOT/Benchmarks" --show-bin-path)/tracegen"
"$CC" -O2 -o "$OUT_DIR/parse-lines" "$ROOT/Benchmarks/c-baseline/parse-lines.c"
TRACE="$OUT_DIR/trace-$EVENTS.log"
if [[ ! -s "$TRACE" ]]; then
    "$TRACEGEN" --events "$EVENTS" --threads 16 --classes 300 --seed 1 > "$TRACE"
fi

now() { echo "${EPOCHREALTIME/,/.}"; }
# wall KEY CMD...: runs CMD (stdout and stderr to $OUT_DIR/KEY.out), appends its wall seconds to $OUT_DIR/KEY.times.
wall() {
    local key="$1"; shift
    local t0 t1
    t0=$(now)
    "$@" > "$OUT_DIR/$key.out" 2>&1 || { echo "$key failed: $*" >&2; cat "$OUT_DIR/$key.out" >&2; exit 1; }
    t1=$(now)
    echo "$t0 $t1" | awk '{ printf "%.4f\n", $2 - $1 }' >> "$OUT_DIR/$key.times"
}
# enqueue KEY BENCH: appends "deferred immediate" ns an object to $OUT_DIR/KEY.times.
enqueue() {
    "$2" 1000000 | awk '/^enqueue:/ { print $4, $8 }' >> "$OUT_DIR/$1.times"
}
# summary NAME FILE [COLUMN]: median, quartiles and range of a column of numbers.
summary() {
    sort -g "$2" | awk -v name="$1" '{ v[NR] = $1 } END {
        n = NR
        printf "%-34s median %.3f  quartiles %.3f - %.3f  range %.3f - %.3f  (n=%d)\n", name,
            v[int((n + 1) / 2)], v[int((n + 3) / 4)], v[int((3 * n + 1) / 4)], v[1], v[n], n }'
}

rm -f "$OUT_DIR"/*.times
echo "issue 19 ratios: $(date -u '+%F %T') UTC, $(nproc) CPUs, load before: $(cut -d' ' -f1-3 /proc/loadavg)"
echo "lockcheck: $LOCKCHECK_BIN${BASE_LOCKCHECK_BIN:+ (before: $BASE_LOCKCHECK_BIN)}"
echo "deferred-free-bench: $DFB${BASE_DFB:+ (before: $BASE_DFB)}"
echo "trace: $TRACE ($(wc -c < "$TRACE") bytes, $EVENTS events); $ROUNDS interleaved rounds"
for ((r = 1; r <= ROUNDS; r++)); do
    cat "$TRACE" > /dev/null
    wall c "$OUT_DIR/parse-lines" "$TRACE"
    wall analyze "$LOCKCHECK_BIN" analyze "$TRACE"
    if [[ -n "${BASE_LOCKCHECK_BIN:-}" ]]; then wall analyze-before "$BASE_LOCKCHECK_BIN" analyze "$TRACE"; fi
    enqueue dfb "$DFB"
    if [[ -n "${BASE_DFB:-}" ]]; then enqueue dfb-before "$BASE_DFB"; fi
done
echo "load after: $(cut -d' ' -f1-3 /proc/loadavg)"
grep -q "5000000 events\|$EVENTS events" "$OUT_DIR/analyze.out" || { echo "analyze did not count $EVENTS events" >&2; exit 1; }

echo
echo "1. lockcheck analyze / C parse-lines (wall seconds; ratio per round)"
summary "C parse-lines, s" "$OUT_DIR/c.times"
summary "analyze, s" "$OUT_DIR/analyze.times"
paste "$OUT_DIR/analyze.times" "$OUT_DIR/c.times" | awk '{ print $1 / $2 }' > "$OUT_DIR/ratio.times"
summary "analyze / C (goal <= 2)" "$OUT_DIR/ratio.times"
if [[ -n "${BASE_LOCKCHECK_BIN:-}" ]]; then
    summary "analyze before, s" "$OUT_DIR/analyze-before.times"
    paste "$OUT_DIR/analyze-before.times" "$OUT_DIR/c.times" | awk '{ print $1 / $2 }' > "$OUT_DIR/ratio-before.times"
    summary "analyze before / C" "$OUT_DIR/ratio-before.times"
fi

echo
echo "2. deferFree / immediate free (ns an object; ratio per round)"
awk '{ print $1 }' "$OUT_DIR/dfb.times" > "$OUT_DIR/dfb-deferred.times"
awk '{ print $2 }' "$OUT_DIR/dfb.times" > "$OUT_DIR/dfb-immediate.times"
awk '{ print $1 / $2 }' "$OUT_DIR/dfb.times" > "$OUT_DIR/dfb-ratio.times"
summary "deferFree, ns" "$OUT_DIR/dfb-deferred.times"
summary "immediate free, ns" "$OUT_DIR/dfb-immediate.times"
summary "deferFree / free (goal <= 2)" "$OUT_DIR/dfb-ratio.times"
if [[ -n "${BASE_DFB:-}" ]]; then
    awk '{ print $1 }' "$OUT_DIR/dfb-before.times" > "$OUT_DIR/dfb-before-deferred.times"
    awk '{ print $1 / $2 }' "$OUT_DIR/dfb-before.times" > "$OUT_DIR/dfb-before-ratio.times"
    summary "deferFree before, ns" "$OUT_DIR/dfb-before-deferred.times"
    summary "deferFree before / free" "$OUT_DIR/dfb-before-ratio.times"
fi

if [[ "${CALLGRIND:-0}" == 1 ]]; then
    echo
    echo "instructions per call (callgrind, 64,000 objects; debug info stripped, valgrind cannot read it)"
    for which in after ${BASE_DFB:+before}; do
        bin="$DFB"; [[ "$which" == before ]] && bin="$BASE_DFB"
        cp "$bin" "$OUT_DIR/dfb-$which" && strip --strip-debug "$OUT_DIR/dfb-$which"
        valgrind --tool=callgrind --callgrind-out-file="$OUT_DIR/dfb-$which.cg" "$OUT_DIR/dfb-$which" 64000 > /dev/null 2>&1
        # The enqueue pass's calls, made by benchmark() itself: inclusive cost / calls.
        callgrind_annotate --inclusive=yes --tree=caller "$OUT_DIR/dfb-$which.cg" 2>/dev/null | awk -v which="$which" '
            /^ *[0-9,]+ .*< .*deferred_free_bench9benchmarkyyF \(/ { last = $0 }
            / \* .*DeferredFreeQueueC05deferC0_4head4pool/ && last != "" { dfq = last }
            / \* .*malloc\.c:free / && last != "" { fr = last }
            /^$/ { last = "" }
            END {
                split(dfq, a, " "); gsub(",", "", a[1]); match(dfq, /\(([0-9,]+)x\)/); c1 = substr(dfq, RSTART + 1, RLENGTH - 3); gsub(",", "", c1)
                split(fr, b, " "); gsub(",", "", b[1]); match(fr, /\(([0-9,]+)x\)/); c2 = substr(fr, RSTART + 1, RLENGTH - 3); gsub(",", "", c2)
                printf "%-7s deferFree(_:head:) %.1f, free %.1f instructions a call: %.2fx\n", which, a[1] / c1, b[1] / c2, (a[1] / c1) / (b[1] / c2)
            }'
    done
fi

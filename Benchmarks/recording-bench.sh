#!/usr/bin/env bash
# recording-bench.sh: what recording a trace costs a lock event (issue 19's
# "≤ 15 ns an event"), wall clock and instructions.
#
#   Benchmarks/recording-bench.sh            # build lock-bench (release), then measure it
#   BIN=/path/lock-bench Benchmarks/recording-bench.sh
#   BASE=/path/other-lock-bench Benchmarks/recording-bench.sh   # interleave with another build (before/after)
#   CALLGRIND=1 Benchmarks/recording-bench.sh                   # also count instructions (valgrind)
#
# Knobs: PAIRS (7 interleaved runs of each binary), ITERATIONS (200000),
# ROUNDS (7: each run prints its best round), TRACE (/tmp/recording-bench.log).
#
# Each run is lock-bench's nested A→B→C loop (one op = lock + unlock of a
# CheckedMutex, two events), validated with nothing recorded (`--worker
# nested`) and validated and recorded (`--worker trace`, LOCKCHECK_TRACE).
# Per recorded event: recorded op / 2; recording's own: (recorded −
# validated) / 2; the ratio is a recorded event to a validated one. The
# medians over PAIRS runs are printed with their ranges and the load
# average: on a machine with other work the writer thread shares a core
# and the figures spread; measure on a quiet machine.
#
# With CALLGRIND=1: instructions on the recording thread per op, counted in
# the loop only (`--toggle-collect`, `--separate-threads`, `--fair-sched`,
# so the writer thread keeps up as it does on a second core), as
# callgrind-lock-path.sh counts the validated path; the recorded count is
# the median of three runs.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
pairs=${PAIRS:-7}; iters=${ITERATIONS:-200000}; rounds=${ROUNDS:-7}
trace=${TRACE:-/tmp/recording-bench.log}
work=$(mktemp -d); trap 'rm -rf "$work"; rm -f "$trace"' EXIT
if [[ -z "${BIN:-}" ]]; then
    swift build -c release --package-path "$here" --product lock-bench >&2
    BIN="$here/.build/release/lock-bench"
fi
bins=("$BIN"); names=(this)
if [[ -n "${BASE:-}" ]]; then bins=("$BASE" "$BIN"); names=(base this); fi

value() { awk -v k="$1" '$1 == k { print $2 }'; }
median() { sort -g | awk '{ v[NR] = $1 } END { if (NR % 2) print v[(NR + 1) / 2]; else print (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }
range() { sort -g | awk 'NR == 1 { lo = $1 } { hi = $1 } END { printf "%.1f–%.1f", lo, hi }'; }

echo "recording-bench: $pairs interleaved runs, $iters iterations × 3 ops, best of $rounds rounds each; $(nproc) CPUs"
load_start=$(cut -d' ' -f1-3 /proc/loadavg)
for ((p = 1; p <= pairs; p++)); do
    for i in "${!bins[@]}"; do
        v=$(LOCKCHECK=report "${bins[$i]}" --worker nested --rounds "$rounds" --iterations "$iters" | value checked_ns)
        r=$(LOCKCHECK=report LOCKCHECK_TRACE="$trace" "${bins[$i]}" --worker trace --rounds "$rounds" --iterations "$iters" | value checked_ns)
        echo "$v" >> "$work/${names[$i]}.validated"
        echo "$r" >> "$work/${names[$i]}.recorded"
        awk -v v="$v" -v r="$r" 'BEGIN { printf "%.2f\n", (r - v) / 2 }' >> "$work/${names[$i]}.own"
        awk -v r="$r" 'BEGIN { printf "%.2f\n", r / 2 }' >> "$work/${names[$i]}.event"
        awk -v v="$v" -v r="$r" 'BEGIN { printf "%.3f\n", r / v }' >> "$work/${names[$i]}.ratio"
        printf '  run %d %-4s validated %6.1f ns/op, recorded %6.1f ns/op\n' "$p" "${names[$i]}" "$v" "$r"
    done
done
echo "load average: $load_start at the start, $(cut -d' ' -f1-3 /proc/loadavg) at the end"
echo
echo "| build | validated op (ns) | recorded op (ns) | **per recorded event** (ns) | recording's own per event (ns) | recorded / validated event |"
echo "|---|---:|---:|---:|---:|---:|"
for n in "${names[@]}"; do
    printf '| %s | %.1f (%s) | %.1f (%s) | **%.1f** (%s) | %.1f (%s) | %.2f× (%s) |\n' "$n" \
        "$(median < "$work/$n.validated")" "$(range < "$work/$n.validated")" \
        "$(median < "$work/$n.recorded")" "$(range < "$work/$n.recorded")" \
        "$(median < "$work/$n.event")" "$(range < "$work/$n.event")" \
        "$(median < "$work/$n.own")" "$(range < "$work/$n.own")" \
        "$(median < "$work/$n.ratio")" "$(range < "$work/$n.ratio")"
done
echo "(medians over $pairs runs, ranges in parentheses; one op = lock + unlock = two events)"

if [[ -n "${CALLGRIND:-}" ]]; then
    echo
    echo "| build | validated op (instructions) | recorded op (instructions) | recording's own per event |"
    echo "|---|---:|---:|---:|"
    n=100000
    for i in "${!bins[@]}"; do
        cp "${bins[$i]}" "$work/lb"; strip --strip-debug "$work/lb"  # valgrind 3.19 cannot read DWARF 5
        count() {  # the thread that ran the loop: the largest of the per-thread files
            rm -f "$work"/cg*
            valgrind --tool=callgrind --fair-sched=yes --separate-threads=yes --callgrind-out-file="$work/cg" \
                --toggle-collect='*CheckedLocks*run*' "$work/lb" --worker profile --iterations "$n" 2>/dev/null
            for f in "$work"/cg-*; do grep -m1 '^summary:' "$f" | awk '{ print $2 }'; done | sort -n | tail -1
        }
        v=$(LOCKCHECK=report count)
        # Recorded: the median of 3 (when valgrind's one CPU leaves the writer more than 16,384
        # events behind, the recording thread drains the rings itself, some 10 instructions an event).
        r=$(for k in 1 2 3; do LOCKCHECK=report LOCKCHECK_TRACE="$trace" count; done | median)
        awk -v name="${names[$i]}" -v v="$v" -v r="$r" -v ops=$((n * 3)) \
            'BEGIN { printf "| %s | %.1f | %.1f | **%.1f** |\n", name, v / ops, r / ops, (r - v) / ops / 2 }'
    done
fi

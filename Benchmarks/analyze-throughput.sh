#!/usr/bin/env bash
# Throughput and peak memory of `lockcheck analyze` on synthetic traces, next
# to a bare C parser of the same lines.
#
# Generates 1 M and 10 M event traces of one synthetic program (same seed and
# parameters, lines in seq order, so the 10 M trace is the same program
# running 10x longer), builds lockcheck in release mode and the C baseline
# with `cc -O2`, and times on each trace, best of REPEAT runs (round robin, so
# a burst of load on a shared machine hits all three alike):
#   C parse-lines   $OUT_DIR/parse-lines FILE                   (c-baseline/parse-lines.c: read, split, convert)
#   parse-only      lockcheck analyze --parse-only FILE         (lockcheck's reader alone)
#   analyze         lockcheck analyze FILE                      (reader + replay + every rule)
# printing events, wall seconds (best), CPU seconds of that run, M events/s and
# peak RSS (GNU time, the largest of the runs). Then the derived figures:
# the cost of rule checking per event, (analyze - parse-only) / events, in
# ns; lockcheck's time over the C baseline's; peak RSS of 10 M over 1 M; and
# the issue's targets (>= 20 M events/s; RSS within 10%).
#
# Then the correctness checks: every run counts exactly the generated events,
# both clean traces exit 0, and a 1 M trace with injected inversions reports
# those and nothing else (exit 1; check-injected.py, which needs python3). A failed check exits 1; a missed performance target
# is only reported (this is a benchmark, not a timed test).
#
# usage: Benchmarks/analyze-throughput.sh
# environment: SEED (1), THREADS (16), CLASSES (300), VIOLATIONS (4),
#              SIZES ("1000000 10000000"), REPEAT (3),
#              OUT_DIR (${TMPDIR:-/tmp}/lockcheck-throughput), CC (cc),
#              and bench-setup.sh's: JOBS (swift build -j), SCRATCH (a --scratch-path
#              for the Benchmarks build), LOCKCHECK (a lockcheck binary to time
#              instead of building one), LOCKCHECK_SCRATCH (a --scratch-path for that build)
# The table is also written to $OUT_DIR/results.txt.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
SEED="${SEED:-1}"
THREADS="${THREADS:-16}"
CLASSES="${CLASSES:-300}"
VIOLATIONS="${VIOLATIONS:-4}"
SIZES="${SIZES:-1000000 10000000}"
REPEAT="${REPEAT:-3}"
CC="${CC:-cc}"
OUT_DIR="${OUT_DIR:-${TMPDIR:-/tmp}/lockcheck-throughput}"
# shellcheck source=Benchmarks/bench-setup.sh
source "$ROOT/Benchmarks/bench-setup.sh"
bench_setup
echo "building the C baseline ($CC -O2)" >&2
CBASE="$OUT_DIR/parse-lines"
"$CC" -O2 -o "$CBASE" "$ROOT/Benchmarks/c-baseline/parse-lines.c"

say "trace: tracegen --threads $THREADS --classes $CLASSES --seed $SEED; best of $REPEAT"

# label EVENTS: 1M, 10M, 200k ...
label() { if (($1 % 1000000 == 0)); then echo "$(($1 / 1000000))M"; else echo "$(($1 / 1000))k"; fi; }

# row LABEL KEY EVENTS: one table row.
row() {
    awk -v label="$1" -v events="$3" -v s="${WALL[$2]}" -v cpu="${CPU[$2]}" -v kb="${RSS[$2]}" -v rc="${RC[$2]}" 'BEGIN {
        printf "%-26s %10d %9.3f %7.2f %9.2f %9.2f %9.1f %5d\n", label, events, s, cpu, events / s / 1e6, (cpu > 0) ? events / cpu / 1e6 : 0, kb / 1024, rc
    }' | tee -a "$RESULTS"
}

# events_counted KEY: the event count a run reported.
events_counted() {
    case "$1" in
        c-*) cat "$OUT_DIR/$1.out" ;;
        *) cat "$OUT_DIR/$1.out" "$OUT_DIR/$1.err" | sed -n 's/^lockcheck: \([0-9]*\) events.*/\1/p' | tail -n 1 ;;
    esac
}

TRACES=()
say ""
say "tracegen (one run each; writes to a file in $OUT_DIR)"
printf '%-26s %10s %9s %7s %9s %9s %9s\n' "trace" "events" "seconds" "cpu s" "M ev/s" "MB" "MB/s" | tee -a "$RESULTS"
for events in $SIZES; do
    file="$OUT_DIR/trace-$events.log"
    t0="$(now)"
    /usr/bin/time -f '%U %S %M' -o "$OUT_DIR/time.out" \
        "$TRACEGEN" --events "$events" --threads "$THREADS" --classes "$CLASSES" --seed "$SEED" > "$file"
    t1="$(now)"
    read -r user sys kb < <(tail -n 1 "$OUT_DIR/time.out")
    bytes="$(stat -c %s "$file")"
    awk -v label="$(label "$events")" -v events="$events" -v a="$t0" -v b="$t1" -v u="$user" -v sy="$sys" -v bytes="$bytes" 'BEGIN {
        s = b - a
        printf "%-26s %10d %9.3f %7.2f %9.2f %9.1f %9.1f\n", label, events, s, u + sy, events / s / 1e6, bytes / 1048576, bytes / 1048576 / s
    }' | tee -a "$RESULTS"
    TRACES+=("$file")
done

say ""
say "throughput (wall seconds: best of $REPEAT; cpu s: user+sys of that run; peak MB: largest RSS of the runs)"
printf '%-26s %10s %9s %7s %9s %9s %9s %5s\n' "run" "events" "seconds" "cpu s" "M ev/s" "(by cpu)" "peak MB" "exit" | tee -a "$RESULTS"
for events in $SIZES; do
    file="$OUT_DIR/trace-$events.log"
    m="$(label "$events")"
    # Page cache warm-up, untimed: every timed run reads the file from memory.
    cat "$file" > /dev/null
    for ((r = 0; r < REPEAT; r++)); do
        run_once "c-$events" "$CBASE" "$file"
        run_once "parse-$events" "$LOCKCHECK" analyze --parse-only "$file"
        run_once "analyze-$events" "$LOCKCHECK" analyze "$file"
    done
    for key in "c-$events" "parse-$events" "analyze-$events"; do
        counted="$(events_counted "$key")"
        if [[ "$counted" != "$events" ]]; then
            echo "FAIL: $key counted '${counted}' events, the trace has $events" >&2
            exit 1
        fi
    done
    if [[ ${RC[analyze-$events]} -ne 0 ]]; then
        echo "FAIL: $file has no violations, but analyze exited ${RC[analyze-$events]}:" >&2
        head -n 20 "$OUT_DIR/analyze-$events.out" >&2
        exit 1
    fi
    row "C parse-lines $m" "c-$events" "$events"
    row "lockcheck parse-only $m" "parse-$events" "$events"
    row "lockcheck analyze $m" "analyze-$events" "$events"
done

say ""
say "derived (rules = analyze - parse-only: replay, reorder window and every rule)"
printf '%-8s %14s %14s %14s %14s\n' "trace" "rules ns/ev" "parse ns/ev" "parse / C" "analyze / C" | tee -a "$RESULTS"
for events in $SIZES; do
    awk -v label="$(label "$events")" -v n="$events" -v c="${WALL[c-$events]}" \
        -v p="${WALL[parse-$events]}" -v a="${WALL[analyze-$events]}" 'BEGIN {
        printf "%-8s %14.1f %14.1f %13.1fx %13.1fx\n", label, (a - p) / n * 1e9, p / n * 1e9, p / c, a / c
    }' | tee -a "$RESULTS"
done

set -- $SIZES
if [[ $# -ge 2 ]]; then
    small="$1"
    large="${!#}"
    say ""
    say "targets (issue 3)"
    awk -v n="$large" -v ml="$(label "$large")" -v a="${WALL[analyze-$large]}" -v c="${WALL[c-$large]}" 'BEGIN {
        rate = n / a / 1e6
        printf "  analyze %s: %.2f M events/s against >= 20: %s\n", ml, rate, (rate >= 20) ? "met" : sprintf("MISSED (%.1fx short)", 20 / rate)
        printf "  C baseline on this machine: %.1f M lines/s (the issue assumed ~60)\n", n / c / 1e6
    }' | tee -a "$RESULTS"
    for kind in parse analyze; do
        awk -v kind="$kind" -v s="${RSS[$kind-$small]}" -v l="${RSS[$kind-$large]}" -v ms="$(label "$small")" -v ml="$(label "$large")" 'BEGIN {
            d = (l - s) / s * 100
            printf "  peak RSS %-8s %s %.1f MB, %s %.1f MB: %+.1f%% %s\n", kind, ms, s / 1024, ml, l / 1024, d, (d <= 10 && d >= -10) ? "(within 10%: met)" : "(MISSED: more than 10%)"
        }' | tee -a "$RESULTS"
    done
fi
say "load average after: $(cut -d' ' -f1-3 /proc/loadavg)"

# The same program with late inversions injected: analyze must report them and nothing else.
file="$OUT_DIR/trace-1000000-v$VIOLATIONS.log"
"$TRACEGEN" --events 1000000 --threads "$THREADS" --classes "$CLASSES" --seed "$SEED" \
    --violations "$VIOLATIONS" > "$file"
run_once "inject" "$LOCKCHECK" analyze --format json "$file"
injected="$(grep -c '^# injected lock-order-inversion' "$file" || true)"
if [[ ${RC[inject]} -ne 1 || "$injected" -ne "$VIOLATIONS" ]]; then
    echo "FAIL: expected $VIOLATIONS injected inversions and exit 1, got $injected injected and exit ${RC[inject]}" >&2
    exit 1
fi
say ""
grep '^# injected' "$file" | python3 "$ROOT/Benchmarks/check-injected.py" "$OUT_DIR/inject.out" "injected trace" | tee -a "$RESULTS"
[[ ${PIPESTATUS[1]} -eq 0 ]] || exit 1
say "ok: every run counted the generated events; clean traces exit 0"

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
# exactly those (exit 1). A failed check exits 1; a missed performance target
# is only reported (this is a benchmark, not a timed test).
#
# usage: Benchmarks/analyze-throughput.sh
# environment: SEED (1), THREADS (16), CLASSES (300), VIOLATIONS (4),
#              SIZES ("1000000 10000000"), REPEAT (3),
#              OUT_DIR (${TMPDIR:-/tmp}/lockcheck-throughput), JOBS (swift build -j),
#              LOCKCHECK (a lockcheck binary to time instead of building one),
#              SCRATCH (a --scratch-path for the Benchmarks build),
#              CC (cc)
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
JOBS_FLAG=()
if [[ -n "${JOBS:-}" ]]; then JOBS_FLAG=(-j "$JOBS"); fi
BENCH_FLAGS=(--package-path "$ROOT/Benchmarks")
if [[ -n "${SCRATCH:-}" ]]; then BENCH_FLAGS+=(--scratch-path "$SCRATCH"); fi

# GNU time for peak RSS (%M); the shell keyword `time` cannot report it.
if [[ ! -x /usr/bin/time ]]; then
    echo "installing GNU time (apt-get install time)" >&2
    SUDO=()
    if [[ "$(id -u)" != 0 ]]; then SUDO=(sudo); fi
    "${SUDO[@]}" apt-get install -y time >/dev/null 2>&1 \
        || { "${SUDO[@]}" apt-get update >/dev/null && "${SUDO[@]}" apt-get install -y time >/dev/null; }
fi

mkdir -p "$OUT_DIR"
RESULTS="$OUT_DIR/results.txt"
: > "$RESULTS"
# say TEXT...: one line of the report, on stdout and in $RESULTS.
say() { printf '%s\n' "$*" | tee -a "$RESULTS"; }

echo "building tracegen (release)" >&2
swift build -c release "${JOBS_FLAG[@]}" "${BENCH_FLAGS[@]}" --product tracegen >&2
TRACEGEN="$(swift build -c release "${BENCH_FLAGS[@]}" --show-bin-path)/tracegen"
if [[ -n "${LOCKCHECK:-}" ]]; then
    LOCKCHECK_FROM="$LOCKCHECK (given)"
else
    # What the build compiles: HEAD, plus whatever the work tree changed in
    # the sources of the lockcheck product (said, as the figures are not HEAD's then).
    LOCKCHECK_FROM="built at $(git -C "$ROOT" rev-parse --short HEAD 2>/dev/null || echo '?')"
    if [[ -n "$(git -C "$ROOT" status --porcelain -- Package.swift Sources/LockGraph Sources/LockTrace \
            Sources/TraceAnalysis Sources/lockcheck Sources/CLockGraphAtomics 2>/dev/null)" ]]; then
        LOCKCHECK_FROM+=" with uncommitted changes to its sources"
    fi
    echo "building lockcheck (release)" >&2
    (cd "$ROOT" && swift build -c release "${JOBS_FLAG[@]}" --product lockcheck >&2)
    LOCKCHECK="$(cd "$ROOT" && swift build -c release --show-bin-path)/lockcheck"
fi
echo "building the C baseline ($CC -O2)" >&2
CBASE="$OUT_DIR/parse-lines"
"$CC" -O2 -o "$CBASE" "$ROOT/Benchmarks/c-baseline/parse-lines.c"

say "machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | sed 's/.*: //'), $(uname -r)"
say "date: $(date -u '+%Y-%m-%d %H:%M UTC'); lockcheck $LOCKCHECK_FROM"
say "load average before: $(cut -d' ' -f1-3 /proc/loadavg)"
if pgrep -f swift-build > /dev/null; then say "warning: swift-build is running: the figures are taken on a loaded machine"; fi
say "trace: tracegen --threads $THREADS --classes $CLASSES --seed $SEED; best of $REPEAT"

# label EVENTS: 1M, 10M, 200k ...
label() { if (($1 % 1000000 == 0)); then echo "$(($1 / 1000000))M"; else echo "$(($1 / 1000))k"; fi; }

# now: wall clock in seconds, microsecond resolution (bash 5).
now() { echo "${EPOCHREALTIME/,/.}"; }

# run_once KEY CMD...: runs CMD under GNU time; records wall seconds (best),
# the CPU seconds of the best run, peak RSS (largest), exit status and stdout.
declare -A WALL CPU RSS RC
run_once() {
    local key="$1"
    shift
    local stats="$OUT_DIR/time.out" rc=0 t0 t1
    t0="$(now)"
    /usr/bin/time -f '%U %S %M' -o "$stats" "$@" > "$OUT_DIR/$key.out" 2> "$OUT_DIR/$key.err" || rc=$?
    t1="$(now)"
    if [[ $rc -gt 1 ]]; then
        echo "FAIL: $* exited with status $rc:" >&2
        tail -n 20 "$OUT_DIR/$key.err" >&2
        exit 1
    fi
    # GNU time may prefix a "Command exited with non-zero status" line.
    local user sys kb wall
    read -r user sys kb < <(tail -n 1 "$stats")
    wall="$(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.4f", b - a }')"
    if [[ -z "${WALL[$key]:-}" ]] || awk -v w="$wall" -v b="${WALL[$key]}" 'BEGIN { exit !(w < b) }'; then
        WALL[$key]="$wall"
        CPU[$key]="$(awk -v u="$user" -v s="$sys" 'BEGIN { printf "%.2f", u + s }')"
    fi
    if [[ -z "${RSS[$key]:-}" || $kb -gt ${RSS[$key]} ]]; then RSS[$key]=$kb; fi
    if [[ -n "${RC[$key]:-}" && "${RC[$key]}" != "$rc" ]]; then
        echo "FAIL: $* exited $rc, but ${RC[$key]} on an earlier run" >&2
        exit 1
    fi
    RC[$key]=$rc
}

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

# The same program with late inversions injected: analyze must find exactly them.
file="$OUT_DIR/trace-1000000-v$VIOLATIONS.log"
"$TRACEGEN" --events 1000000 --threads "$THREADS" --classes "$CLASSES" --seed "$SEED" \
    --violations "$VIOLATIONS" > "$file"
run_once "inject" "$LOCKCHECK" analyze --format json "$file"
out="$OUT_DIR/inject.out"
found="$(grep -o '"rule" *: *"[a-z-]*"' "$out" | sort | uniq -c || true)"
inversions="$(grep -o '"rule" *: *"lock-order-inversion"' "$out" | wc -l || true)"
others="$(grep -o '"rule" *: *"[a-z-]*"' "$out" | grep -vc 'lock-order-inversion' || true)"
if [[ ${RC[inject]} -ne 1 || $inversions -ne $VIOLATIONS || $others -ne 0 ]]; then
    echo "FAIL: expected exit 1 and exactly $VIOLATIONS lock-order-inversion, got exit ${RC[inject]} and:" >&2
    echo "${found:-  (no rules)}" >&2
    exit 1
fi
say ""
say "ok: every run counted the generated events; clean traces exit 0; $VIOLATIONS injected inversions found, nothing else"

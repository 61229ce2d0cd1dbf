#!/usr/bin/env bash
# Throughput of `lockcheck analyze` on synthetic traces.
#
# Generates 1 M and 10 M event traces of one synthetic program (same seed and
# parameters, so the 10 M trace is the same program running 10x longer),
# builds lockcheck in release mode, and times on each trace:
#   parse-only   lockcheck analyze --parse-only FILE   (reading alone)
#   analyze      lockcheck analyze FILE                (reading + every rule)
# printing events, wall seconds, events/s and peak RSS (GNU time).
#
# Then it checks the results: both traces must be clean (exit 0), and a 1 M
# trace with injected inversions must report exactly those (exit 1).
#
# usage: Benchmarks/analyze-throughput.sh
# environment: SEED (1), THREADS (16), CLASSES (300), VIOLATIONS (4),
#              OUT_DIR (${TMPDIR:-/tmp}/lockcheck-throughput), JOBS (swift build -j),
#              LOCKCHECK (a lockcheck binary to time instead of building one),
#              SCRATCH (a --scratch-path for the Benchmarks build)
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
SEED="${SEED:-1}"
THREADS="${THREADS:-16}"
CLASSES="${CLASSES:-300}"
VIOLATIONS="${VIOLATIONS:-4}"
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

echo "building tracegen (release)" >&2
swift build -c release "${JOBS_FLAG[@]}" "${BENCH_FLAGS[@]}" --product tracegen >&2
TRACEGEN="$(swift build -c release "${BENCH_FLAGS[@]}" --show-bin-path)/tracegen"
if [[ -z "${LOCKCHECK:-}" ]]; then
    echo "building lockcheck (release)" >&2
    (cd "$ROOT" && swift build -c release "${JOBS_FLAG[@]}" --product lockcheck >&2)
    LOCKCHECK="$(cd "$ROOT" && swift build -c release --show-bin-path)/lockcheck"
fi

# generate EVENTS VIOLATIONS FILE
generate() {
    "$TRACEGEN" --events "$1" --threads "$THREADS" --classes "$CLASSES" --seed "$SEED" \
        --violations "$2" > "$3"
}

# measure LABEL EVENTS ARGS...: runs lockcheck ARGS..., prints one table row.
# Exit status 0 (clean) and 1 (violations) both count as a completed run.
measure() {
    local label="$1" events="$2"
    shift 2
    local stats="$OUT_DIR/time.out" rc=0
    /usr/bin/time -f '%e %M' -o "$stats" "$LOCKCHECK" "$@" > "$OUT_DIR/last.out" 2> "$OUT_DIR/last.err" || rc=$?
    if [[ $rc -gt 1 ]]; then
        echo "lockcheck $* failed with exit status $rc:" >&2
        cat "$OUT_DIR/last.err" >&2
        exit 1
    fi
    # GNU time may prefix a "Command exited with non-zero status" line.
    local seconds rss_kb
    read -r seconds rss_kb < <(tail -n 1 "$stats")
    awk -v label="$label" -v events="$events" -v s="$seconds" -v kb="$rss_kb" -v rc="$rc" 'BEGIN {
        rate = (s > 0) ? sprintf("%.0f", events / s) : "-"
        printf "%-26s %10d %9.2f %12s %10.1f %5d\n", label, events, s, rate, kb / 1024, rc
    }'
    LAST_RC=$rc
}

printf '%-26s %10s %9s %12s %10s %5s\n' "run" "events" "seconds" "events/s" "peak MB" "exit"
for events in 1000000 10000000; do
    file="$OUT_DIR/trace-$events.log"
    generate "$events" 0 "$file"
    measure "parse-only $((events / 1000000))M" "$events" analyze --parse-only "$file"
    measure "analyze $((events / 1000000))M" "$events" analyze "$file"
    if [[ $LAST_RC -ne 0 ]]; then
        echo "FAIL: $file has no violations, but analyze exited $LAST_RC:" >&2
        head -n 20 "$OUT_DIR/last.out" >&2
        exit 1
    fi
done

# The same program with late inversions injected: analyze must find exactly them.
file="$OUT_DIR/trace-1000000-v$VIOLATIONS.log"
generate 1000000 "$VIOLATIONS" "$file"
measure "analyze 1M, $VIOLATIONS inversions" 1000000 analyze --format json "$file"
found="$(grep -o '"rule" *: *"[a-z-]*"' "$OUT_DIR/last.out" | sort | uniq -c || true)"
inversions="$(grep -o '"rule" *: *"lock-order-inversion"' "$OUT_DIR/last.out" | wc -l || true)"
others="$(grep -o '"rule" *: *"[a-z-]*"' "$OUT_DIR/last.out" | grep -vc 'lock-order-inversion' || true)"
if [[ $LAST_RC -ne 1 || $inversions -ne $VIOLATIONS || $others -ne 0 ]]; then
    echo "FAIL: expected exit 1 and exactly $VIOLATIONS lock-order-inversion, got exit $LAST_RC and:" >&2
    echo "${found:-  (no rules)}" >&2
    exit 1
fi
echo "ok: clean traces exit 0; $VIOLATIONS injected inversions found, nothing else"

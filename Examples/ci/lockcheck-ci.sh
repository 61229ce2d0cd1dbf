#!/usr/bin/env bash
# lockcheck in CI, as a plain shell recipe: run the test processes with
# LOCKCHECK_TRACE (one trace file per process), analyse all the traces together
# in one run (so an inversion split between two processes is found), write
# SARIF (code scanning) and JUnit (CI test views), and fail on new violations.
#
# usage: Examples/ci/lockcheck-ci.sh              # in your package's root
#        Examples/ci/lockcheck-ci.sh --self-test  # on lockcheck's own example apps
#
# exit status: 0  no new violation (and the tests passed)
#              1  new violations (not in the baseline, not suppressed)
#              2  nothing to analyse, or lockcheck could not read a trace
#              3  no new violation, but a test command failed
#
# environment (all optional):
#   OUT_DIR             where traces, logs and reports go (lockcheck-out; --self-test: a new temporary directory)
#   LOCKCHECK_CLI       the lockcheck binary (default: `lockcheck` on PATH, else built with swift build -c release)
#   LOCKCHECK_BIN_DIR   a directory holding lockcheck (and, for --self-test, the example apps): use these, build nothing
#   SWIFT_BUILD_FLAGS   extra flags for any swift build this script runs (e.g. "--scratch-path .build-ci -j 1")
#   TEST_COMMANDS       the test processes, one shell command per line. Default:
#                         swift test --disable-swift-testing                 (the XCTest process)
#                         swift test --skip-build --disable-xctest           (the swift-testing process)
#   BASELINE            a baseline written by `lockcheck baseline` (default lockcheck-baseline.json, if present)
#   SUPPRESSIONS        a suppressions file (default lockcheck-suppressions.json, if present)
#   LOCKCHECK           the validator mode of the test processes (default report; `off` records nothing)
#
# Outputs in $OUT_DIR: traces/NN-NAME.log (one per test process), logs/NN-NAME.log
# (each process's stdout and stderr), lockcheck.sarif, lockcheck.junit.xml.
#
# Why one trace path per process: LOCKCHECK_TRACE is a plain path with no
# per-process placeholder, and a process that starts recording truncates the
# file. Two processes given the same path (`swift test --parallel` workers,
# the XCTest and swift-testing passes of one `swift test`, helpers a test
# spawns) overwrite each other's trace. So this script runs each test process
# on its own, with its own path.
set -euo pipefail

SELF_TEST=0
case "${1:-}" in
    --self-test) SELF_TEST=1 ;;
    "") ;;
    -h|--help) sed -n '2,/^set -euo/p' "${BASH_SOURCE[0]}" | sed -e '$d' -e 's/^# \{0,1\}//'; exit 0 ;;
    *) echo "usage: $0 [--self-test]" >&2; exit 2 ;;
esac

SWIFT_FLAGS=()
if [[ -n "${SWIFT_BUILD_FLAGS:-}" ]]; then read -r -a SWIFT_FLAGS <<< "$SWIFT_BUILD_FLAGS"; fi

# A lockcheck release build of the current package (it is a dependency, or the package itself).
build_lockcheck() {
    echo "lockcheck-ci: building lockcheck (swift build -c release --product lockcheck)" >&2
    swift build -c release "${SWIFT_FLAGS[@]}" --product lockcheck >&2
    echo "$(swift build -c release "${SWIFT_FLAGS[@]}" --show-bin-path)/lockcheck"
}

if [[ "$SELF_TEST" == 1 ]]; then
    # The self-test: lockcheck's own example apps stand in for a test suite.
    # bank-transfer has a lock-order inversion, which the baseline below
    # accepts; seed-004-use-after-destroy has a use-after-destroy, which is new.
    # Expected: exit 1, SARIF with 2 results (1 new, 1 unchanged), JUnit with 1 failure.
    ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
    cd "$ROOT"
    APPS=(bank-transfer seed-004-use-after-destroy)
    if [[ -n "${LOCKCHECK_BIN_DIR:-}" ]]; then
        BIN="$LOCKCHECK_BIN_DIR"
    else
        for product in lockcheck "${APPS[@]}"; do
            echo "lockcheck-ci: building $product" >&2
            swift build "${SWIFT_FLAGS[@]}" --product "$product" >&2
        done
        BIN="$(swift build "${SWIFT_FLAGS[@]}" --show-bin-path)"
    fi
    for product in lockcheck "${APPS[@]}"; do
        [[ -x "$BIN/$product" ]] || { echo "lockcheck-ci: $BIN/$product is missing" >&2; exit 2; }
    done
    LOCKCHECK_CLI="$BIN/lockcheck"
    OUT_DIR="${OUT_DIR:-$(mktemp -d "${TMPDIR:-/tmp}/lockcheck-ci-self-test.XXXXXX")}"
    TEST_COMMANDS="$(printf '%q\n' "$BIN/${APPS[0]}" "$BIN/${APPS[1]}")"
    BASELINE="$OUT_DIR/lockcheck-baseline.json"    # written below, after the test processes ran
    SUPPRESSIONS="${SUPPRESSIONS:-}"
else
    OUT_DIR="${OUT_DIR:-lockcheck-out}"
    TEST_COMMANDS="${TEST_COMMANDS:-swift test --disable-swift-testing
swift test --skip-build --disable-xctest}"
    if [[ -z "${LOCKCHECK_CLI:-}" ]]; then
        if [[ -n "${LOCKCHECK_BIN_DIR:-}" ]]; then LOCKCHECK_CLI="$LOCKCHECK_BIN_DIR/lockcheck"
        elif command -v lockcheck >/dev/null; then LOCKCHECK_CLI="$(command -v lockcheck)"
        else LOCKCHECK_CLI="$(build_lockcheck)"; fi
    fi
    BASELINE="${BASELINE-lockcheck-baseline.json}"
    SUPPRESSIONS="${SUPPRESSIONS-lockcheck-suppressions.json}"
fi

# Validation must be on for a process to record (release builds default to off).
export LOCKCHECK="${LOCKCHECK:-report}"
if [[ "$LOCKCHECK" == off ]]; then echo "lockcheck-ci: warning: LOCKCHECK=off, the tests record no traces" >&2; fi

mkdir -p "$OUT_DIR/traces" "$OUT_DIR/logs"
rm -f "$OUT_DIR"/traces/*.log "$OUT_DIR"/logs/*.log
SARIF="$OUT_DIR/lockcheck.sarif"
JUNIT="$OUT_DIR/lockcheck.junit.xml"

# 1. Run every test process with its own trace path. A failing test command
#    does not stop the recipe: its trace still counts, and its status is kept.
tests_failed=0
n=0
while IFS= read -r command; do
    [[ -z "${command// }" ]] && continue
    n=$((n + 1))
    name="$(printf '%02d-%s' "$n" "$(basename "${command%% *}")")"
    echo "lockcheck-ci: test process $name: $command" >&2
    if ! LOCKCHECK_TRACE="$OUT_DIR/traces/$name.log" bash -c "$command" > "$OUT_DIR/logs/$name.log" 2>&1; then
        echo "lockcheck-ci: test process $name failed (output in $OUT_DIR/logs/$name.log)" >&2
        tests_failed=1
    fi
done <<< "$TEST_COMMANDS"

# A process that never touched an instrumented lock writes no trace.
shopt -s nullglob
traces=("$OUT_DIR"/traces/*.log)
shopt -u nullglob
if [[ ${#traces[@]} == 0 ]]; then
    echo "lockcheck-ci: no traces were recorded (do the tests use Instrumented's locks? is LOCKCHECK=off?)" >&2
    exit 2
fi

if [[ "$SELF_TEST" == 1 ]]; then
    # The baseline a team would have committed when it turned lockcheck on:
    # here, the violations of the first app alone (bank-transfer's inversion).
    "$LOCKCHECK_CLI" baseline --output "$BASELINE" "${traces[0]}"
fi

# 2. Analyse all the traces together, once per output format. Both runs see
#    the same traces, baseline and suppressions, so they reach the same verdict.
#    (A run reads every trace again: for very large traces, consider writing only SARIF.)
args=()
if [[ -n "$BASELINE" && -f "$BASELINE" ]]; then args+=(--baseline "$BASELINE"); fi
if [[ -n "$SUPPRESSIONS" && -f "$SUPPRESSIONS" ]]; then args+=(--suppressions "$SUPPRESSIONS"); fi
status=0
"$LOCKCHECK_CLI" analyze "${args[@]}" --format sarif "${traces[@]}" > "$SARIF" || status=$?
junit_status=0
"$LOCKCHECK_CLI" analyze "${args[@]}" --format junit "${traces[@]}" > "$JUNIT" || junit_status=$?
if [[ "$junit_status" != "$status" ]]; then
    echo "lockcheck-ci: the SARIF run exited $status but the JUnit run $junit_status" >&2
    [[ "$status" == 0 ]] && status=$junit_status
fi

# 3. Say what happened, and exit with the verdict.
results=$(grep -c '"ruleId":' "$SARIF" || true)
new=$(grep -c '"baselineState": "new"' "$SARIF" || true)
echo "lockcheck-ci: ${#traces[@]} trace(s) from $n test process(es); SARIF: $results result(s)$([[ ${#args[@]} -gt 0 ]] && echo ", $new new"); reports: $SARIF, $JUNIT" >&2
case "$status" in
    0) if [[ "$tests_failed" == 1 ]]; then echo "lockcheck-ci: no new lock violations, but a test process failed" >&2; exit 3; fi
       echo "lockcheck-ci: no new lock violations" >&2; exit 0 ;;
    1) if [[ "$tests_failed" == 1 ]]; then echo "lockcheck-ci: a test process failed too" >&2; fi
       echo "lockcheck-ci: FAILED: new lock violations (see $JUNIT, or run: $LOCKCHECK_CLI analyze ${args[*]+${args[*]} }${traces[*]})" >&2; exit 1 ;;
    *) echo "lockcheck-ci: lockcheck could not analyse the traces (exit $status)" >&2; exit 2 ;;
esac

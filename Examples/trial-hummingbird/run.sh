#!/usr/bin/env bash
# The Hummingbird trial (session 7): Hummingbird's own test suite (454 Swift
# Testing tests), unmodified, under `lockcheck run --trace`, then
# `lockcheck analyze` on every process's trace.
#
# Expected: exactly one report, live and offline, a real bug in a
# dependency: swift-async-algorithms 1.1.4's MergeStorage.next() holds its
# lock across an actor hop before withUnsafeThrowingContinuation's body
# unlocks it (apple/swift-async-algorithms#430; lock-held-across-suspension).
# This trial found three problems of lockcheck's own, all fixed: false
# recursive-lock reports on BoringSSL's static rwlocks and between two
# NIOLocks (creation sites), and a child process truncating the trace under
# its parent. It exits 1 on any other report, a missing one, a failed test
# or a trace `lockcheck analyze` refuses; 0 otherwise. Not part of
# scripts/demo (about 10 minutes on 2 cores, most of it building Hummingbird).
#
# Usage: Examples/trial-hummingbird/run.sh
#        HUMMINGBIRD_DIR=/path/to/built/hummingbird Examples/trial-hummingbird/run.sh   # reuse a checkout whose tests are built
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
version=${HUMMINGBIRD_VERSION:-2.28.1}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

hb=${HUMMINGBIRD_DIR:-$work/hb}
if [ -z "${HUMMINGBIRD_DIR:-}" ]; then
  git clone --quiet --branch "$version" /opt/swift-packages/hummingbird-project/hummingbird.git "$hb" 2>/dev/null \
    || git clone --quiet --branch "$version" https://github.com/hummingbird-project/hummingbird "$hb"
fi

echo "trial: building lockcheck (release)…" >&2
swift build -c release --package-path "$root" --product lockcheck >&2
swift build -c release --package-path "$root" --product lockcheck-preload >&2
lockcheck="$root/.build/release/lockcheck"
echo "trial: building Hummingbird $version's tests…" >&2
swift build --package-path "$hb" --build-tests >&2
bundle=$(ls -d "$hb/.build/debug/"*PackageTests.xctest | head -1)

set +e
(cd "$hb" && timeout 900 "$lockcheck" run --trace "$work/trace-%p.log" -- "$bundle" --testing-library swift-testing) \
  > "$work/run.out" 2>&1
rc=$?
"$lockcheck" analyze "$work"/trace-*.log > "$work/analyze.out" 2>&1
arc=$?
set -e
summary=$(grep -E 'Test run with [0-9]+ tests' "$work/run.out" | tail -1)
echo "lockcheck run exit $rc: ${summary:-no summary: the process died}"
echo "live reports:"; grep '^lockcheck: \[' "$work/run.out" | sort | uniq -c || true
echo "lockcheck analyze exit $arc:"; grep -E '^lockcheck: \[|violation' "$work/analyze.out" | sort | uniq -c || true

live=$(grep -c '^lockcheck: \[' "$work/run.out" || true)
known=$(grep -c '^lockcheck: \[lock-held-across-suspension\]' "$work/run.out" || true)
offline=$(grep -c '^lockcheck: \[' "$work/analyze.out" || true)
if [ "$rc" -ne 0 ] || ! grep -q 'MergeStorage.swift' "$work/run.out" || [ "$live" -ne 1 ] || [ "$known" -ne 1 ] \
   || [ "$offline" -ne 1 ] || grep -q ': error\|NUL byte' "$work/analyze.out"; then
  echo "trial: not the expected outcome (exactly swift-async-algorithms#430, live and offline, every test passing)" >&2
  tail -20 "$work/analyze.out" >&2
  exit 1
fi
echo "trial: Hummingbird $version's tests pass under lockcheck run; the one report, live and offline, is swift-async-algorithms#430"

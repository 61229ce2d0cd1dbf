#!/usr/bin/env bash
# The trial as a check: take swift-log 1.16.2 from the offline package
# copies, apply the documented swap, run swift-log's own tests with
# validation on, and expect no report.
#
# The swap (README, "Swap where Swift code already is"):
#   1. Sources/Logging/Locks.swift (swift-log's own Lock and ReadWriteLock)
#      becomes the one line `@_exported public import LockCheckNIO`: its
#      `Lock` and `ReadWriteLock` are then lockcheck's in every file of the
#      module and of InMemoryLogging, which imports Logging. swift-log builds
#      with MemberImportVisibility and InternalImportsByDefault.
#   2. Package.swift depends on this checkout by path; the `package:` of
#      the product is the checkout's folder name (the package identity).
#
# lockcheck reports nothing: every test passes with LOCKCHECK=trap (a
# report would stop the test process) and no report appears on stderr.
#
# Usage: Examples/trial-swift-log/run.sh  (about 4 minutes on 2 shared cores)
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
identity=$(basename "$root")
version=${SWIFT_LOG_VERSION:-1.16.2}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

git clone --quiet --branch "$version" /opt/swift-packages/apple/swift-log.git "$work/swift-log" 2>/dev/null \
  || git clone --quiet --branch "$version" https://github.com/apple/swift-log "$work/swift-log"
cd "$work/swift-log"

# 1. The swap: one line in place of the project's own lock file.
printf '// lockcheck: swift-log'"'"'s Lock and ReadWriteLock, validated.\n@_exported public import LockCheckNIO\n' \
  > Sources/Logging/Locks.swift

# 2. The dependency.
python3 - "$root" "$identity" <<'PY'
import sys
root, identity = sys.argv[1], sys.argv[2]
s = open("Package.swift").read()
s = s.replace('    targets: [', '    dependencies: [.package(path: "%s")],\n    targets: [' % root, 1)
s = s.replace('''            name: "Logging",
            dependencies: [],''', '''            name: "Logging",
            dependencies: [.product(name: "LockCheckNIO", package: "%s")],''' % identity, 1)
open("Package.swift", "w").write(s)
PY
grep -q 'LockCheckNIO' Package.swift || { echo "trial: the Package.swift edit did not apply" >&2; exit 2; }

echo "trial: building swift-log $version with lockcheck's locks…" >&2
swift build --build-tests 2>&1 | grep -E 'error|warning: .*(LockCheck|Instrumented)' || true
echo "trial: running swift-log's tests with LOCKCHECK=trap…" >&2
set +e
LOCKCHECK=trap swift test --skip-build >"$work/test.out" 2>"$work/test.err"
rc=$?
set -e
tail -3 "$work/test.out"
if [ $rc -ne 0 ]; then
  echo "trial: swift-log's tests failed (exit $rc)" >&2
  tail -40 "$work/test.err" >&2
  exit 1
fi
if grep -q '^lockcheck: \[' "$work/test.err"; then
  echo "trial: lockcheck reported:" >&2
  grep '^lockcheck: \[' "$work/test.err" | sort | uniq -c >&2
  exit 1
fi
echo "trial: swift-log $version passed its own tests with validated locks and no report"

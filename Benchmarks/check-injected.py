#!/usr/bin/env python3
"""Checks a `lockcheck analyze --format json` report against the inversions
tracegen injected.

usage: grep -h '^# injected' TRACE... | Benchmarks/check-injected.py REPORT.json [LABEL]

Reads tracegen's `# injected lock-order-inversion k of n: A -> B (...)`
comments on standard input. Passes (exit 0) when the report holds only
lock-order-inversion violations, every injected pair {A, B} is among the
classes of one of them, and each of them names an injected pair (without the
injected dependencies the program's graph has no cycle, so every cycle goes
through one). `lockcheck analyze` reports the shortest cycle through every
dependency on a cycle, so one injected pair may be named by several reports.
Prints one line: what was found, or what is wrong.
"""
import json
import re
import sys

report = json.load(open(sys.argv[1]))
label = sys.argv[2] if len(sys.argv) > 2 else sys.argv[1]
pairs = set()
for line in sys.stdin:
    m = re.search(r": (\S+) -> (\S+) \(", line)
    if m:
        pairs.add(frozenset(m.groups()))
violations = report["violations"]
others = sorted({v["rule"] for v in violations if v["rule"] != "lock-order-inversion"})
cycles = [set(v["classes"]) for v in violations if v["rule"] == "lock-order-inversion"]
missed = [sorted(p) for p in pairs if not any(c >= p for c in cycles)]
stray = [sorted(c) for c in cycles if not any(c >= p for p in pairs)]
problems = []
if others:
    problems.append(f"other rules reported: {others}")
if missed:
    problems.append(f"injected pairs not reported: {missed}")
if stray:
    problems.append(f"inversions naming no injected pair: {stray}")
if problems:
    print(f"FAIL: {label}: " + "; ".join(problems))
    sys.exit(1)
print(f"ok: {label}: {len(pairs)} injected pairs, each reported; {len(cycles)} lock-order-inversion reports, each naming one; nothing else")

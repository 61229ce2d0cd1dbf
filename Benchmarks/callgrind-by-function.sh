#!/usr/bin/env bash
# Self cost per function of a callgrind profile, demangled.
#
# callgrind_annotate splits one function's self cost by the source file of
# the code inlined into it (parseEvent shows up under TraceParser+Events.swift,
# SWAR.swift, IDMap.swift ...). This sums those parts per function and prints
# the total share, then the parts.
#
# usage: Benchmarks/callgrind-by-function.sh CALLGRIND_OUT [TOP (15)]
#   valgrind --tool=callgrind --callgrind-out-file=analyze.cg lockcheck analyze trace.log
#   Benchmarks/callgrind-by-function.sh analyze.cg
set -euo pipefail
file="$1"
top="${2:-15}"
demangle=(cat)
if command -v swift-demangle > /dev/null; then
    demangle=(swift-demangle --simplified)
elif command -v swift > /dev/null; then
    demangle=(swift demangle --simplified)
fi

callgrind_annotate --threshold=100 --auto=no "$file" 2>/dev/null | awk -v top="$top" '
    /PROGRAM TOTALS/ { total = $1; gsub(",", "", total) }
    /file:function/ { table = 1; getline; next }
    table && /^$/ { exit }
    table {
        ir = $1; gsub(",", "", ir)
        line = $0
        sub(/^ *[0-9,]+ \( *[0-9.]+%\)  /, "", line)
        sub(/ \[[^]]*\]$/, "", line)            # the object file
        i = index(line, ":")
        fn = substr(line, i + 1); src = substr(line, 1, i - 1)
        sub(/.*\//, "", src)
        self[fn] += ir
        parts[fn] = parts[fn] sprintf("  %s %.1f%%", src, ir * 100 / total)
    }
    END {
        printf "total Ir %d\n", total
        n = 0
        for (fn in self) order[++n] = fn
        # selection sort of the top entries (n is small)
        for (k = 1; k <= n && k <= top; k++) {
            best = k
            for (j = k + 1; j <= n; j++) if (self[order[j]] > self[order[best]]) best = j
            t = order[k]; order[k] = order[best]; order[best] = t
            printf "%5.1f%%  %s\n       %s\n", self[order[k]] * 100 / total, order[k], parts[order[k]]
        }
    }' | "${demangle[@]}"

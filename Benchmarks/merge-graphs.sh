#!/usr/bin/env bash
# Merging 1,000 saved graphs (issue 6): the final CI job's `lockcheck analyze
# graphs/*`, against analysing all the traces together (`lockcheck analyze
# traces/*`).
#
# Generates COUNT small traces with tracegen, all runs of one synthetic program
# (--model-seed MODEL_SEED fixes the classes, their order and the code paths;
# --seed 1..COUNT varies which thread runs which paths and the interleaving),
# so every lock class appears in many traces, as in the test processes of one
# project. Every VIOLATION_EVERY-th trace also gets one injected lock-order
# inversion (`--violations 1`; a run too short for it keeps none). Then it
# saves each trace's graph with `lockcheck analyze --save-graph` (one process
# per trace, as in a CI job) and times, best of REPEAT, round robin:
#   graphs    lockcheck analyze --format json graphs/*     (the merge)
#   traces    lockcheck analyze --format json traces/*     (all traces together)
# printing wall and CPU seconds and peak RSS (GNU time), the total bytes of the
# graphs against the traces, and the cost of saving the graphs.
#
# Checks (a failed one exits 1): both runs, and one more untimed merge of the
# graphs in reverse order, report the same violations (by fingerprint: rule +
# sorted class names), and, with one program, the injected inversions and
# nothing else (check-injected.py).
#
# usage: Benchmarks/merge-graphs.sh
# environment: COUNT (1000), EVENTS (2000), THREADS (4), CLASSES (60),
#              MODEL_SEED (1; "per-trace": no --model-seed, so every trace is
#                 a different program whose class names collide at random ranks:
#                 a stress case with thousands of overlapping cycles; the check
#                 of the injected inversions is skipped),
#              VIOLATION_EVERY (100; 0: none), REPEAT (3),
#              OUT_DIR (${TMPDIR:-/tmp}/lockcheck-merge-graphs),
#              and bench-setup.sh's: JOBS (swift build -j), SCRATCH (a --scratch-path
#              for the Benchmarks build), LOCKCHECK (a lockcheck binary to time
#              instead of building one), LOCKCHECK_SCRATCH (a --scratch-path for that build)
# Needs python3 (to compare the JSON reports). The table is also written to
# $OUT_DIR/results.txt.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
COUNT="${COUNT:-1000}"
EVENTS="${EVENTS:-2000}"
THREADS="${THREADS:-4}"
CLASSES="${CLASSES:-60}"
MODEL_SEED="${MODEL_SEED:-1}"
VIOLATION_EVERY="${VIOLATION_EVERY:-100}"
REPEAT="${REPEAT:-3}"
OUT_DIR="${OUT_DIR:-${TMPDIR:-/tmp}/lockcheck-merge-graphs}"
MODEL_FLAG=()
if [[ "$MODEL_SEED" != per-trace ]]; then MODEL_FLAG=(--model-seed "$MODEL_SEED"); fi
command -v python3 >/dev/null || { echo "merge-graphs.sh needs python3 to compare the reports" >&2; exit 2; }

# shellcheck source=Benchmarks/bench-setup.sh
source "$ROOT/Benchmarks/bench-setup.sh"
bench_setup
say "traces: $COUNT x tracegen --events $EVENTS --threads $THREADS --classes $CLASSES${MODEL_FLAG[*]:+ ${MODEL_FLAG[*]}} --seed 1..$COUNT;" \
    "$(if [[ "$VIOLATION_EVERY" -gt 0 ]]; then echo "every ${VIOLATION_EVERY}th with --violations 1"; else echo "no injected violations"; fi); best of $REPEAT"

# 1. The traces (what each test process would record).
rm -rf "$OUT_DIR/traces" "$OUT_DIR/graphs"
mkdir -p "$OUT_DIR/traces" "$OUT_DIR/graphs"
t0="$(now)"
for ((i = 1; i <= COUNT; i++)); do
    name="$(printf 'trace-%04d' "$i")"
    inject=()
    if [[ "$VIOLATION_EVERY" -gt 0 ]] && ((i % VIOLATION_EVERY == 0)); then inject=(--violations 1); fi
    rc=0
    "$TRACEGEN" --events "$EVENTS" --threads "$THREADS" --classes "$CLASSES" "${MODEL_FLAG[@]}" --seed "$i" \
        "${inject[@]}" > "$OUT_DIR/traces/$name.log" 2> "$OUT_DIR/tracegen.err" || rc=$?
    # With --violations, exit 1 means the run was too short to inject it: the trace is still whole.
    if [[ $rc -ne 0 && ! ( $rc -eq 1 && ${#inject[@]} -gt 0 ) ]]; then
        echo "FAIL: tracegen exited $rc for $name:" >&2; cat "$OUT_DIR/tracegen.err" >&2; exit 1
    fi
done
t1="$(now)"
say "tracegen: $COUNT traces in $(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.1f", b - a }') s"

# Distinct injected inversions: the class pair of each '# injected' comment.
INJECTED="$( (grep -h '^# injected lock-order-inversion' "$OUT_DIR"/traces/*.log || true) \
    | sed 's/.*: \([^ ]*\) -> \([^ ]*\) (.*/\1 \2/' | awk '{ if ($1 < $2) print $1, $2; else print $2, $1 }' | sort -u | wc -l)"
INJECTED_TRACES="$(grep -l '^# injected lock-order-inversion' "$OUT_DIR"/traces/*.log | wc -l || true)"

# 2. One graph per trace, one lockcheck process each (what every CI job does).
t0="$(now)"
for trace in "$OUT_DIR"/traces/*.log; do
    name="$(basename "$trace" .log)"
    rc=0
    "$LOCKCHECK" analyze --save-graph "$OUT_DIR/graphs/${name/trace/graph}.lcg" "$trace" > /dev/null 2>&1 || rc=$?
    if [[ $rc -gt 1 ]]; then echo "FAIL: lockcheck analyze --save-graph exited $rc on $trace" >&2; exit 1; fi
done
t1="$(now)"
SAVE_SECONDS="$(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.2f", b - a }')"

trace_bytes="$(du -cb "$OUT_DIR"/traces/*.log | tail -n 1 | cut -f1)"
graph_bytes="$(du -cb "$OUT_DIR"/graphs/*.lcg | tail -n 1 | cut -f1)"

# 3. The merge against all the traces, round robin (page cache warmed first).
cat "$OUT_DIR"/traces/*.log "$OUT_DIR"/graphs/*.lcg > /dev/null
for ((r = 0; r < REPEAT; r++)); do
    run_once graphs "$LOCKCHECK" analyze --format json "$OUT_DIR"/graphs/*.lcg
    run_once traces "$LOCKCHECK" analyze --format json "$OUT_DIR"/traces/*.log
done

say ""
say "inputs"
awk -v n="$COUNT" -v tb="$trace_bytes" -v gb="$graph_bytes" 'BEGIN {
    printf "  traces: %d files, %.1f MB (%.1f KB each)\n", n, tb / 1e6, tb / n / 1e3
    printf "  graphs: %d files, %.1f MB (%.1f KB each): %.2f of the trace bytes\n", n, gb / 1e6, gb / n / 1e3, gb / tb
}' | tee -a "$RESULTS"
awk -v n="$COUNT" -v s="$SAVE_SECONDS" 'BEGIN {
    printf "  saving the graphs: %.1f s for %d lockcheck analyze --save-graph runs, %.1f ms each (process start-up included)\n", s, n, s / n * 1e3
}' | tee -a "$RESULTS"
say "  injected: $INJECTED distinct lock-order inversions (in $INJECTED_TRACES traces)"
# For scale: a graph stops growing once the program's dependencies are known, a trace does not.
long=$((EVENTS * 100))
"$TRACEGEN" --events "$long" --threads "$THREADS" --classes "$CLASSES" "${MODEL_FLAG[@]}" --seed 1 > "$OUT_DIR/long.log"
"$LOCKCHECK" analyze --save-graph "$OUT_DIR/long.lcg" "$OUT_DIR/long.log" > /dev/null 2>&1 || true
awk -v n="$long" -v tb="$(stat -c %s "$OUT_DIR/long.log")" -v gb="$(stat -c %s "$OUT_DIR/long.lcg")" 'BEGIN {
    printf "  for scale, one trace of %d events (seed 1): %.1f MB, its graph %.1f KB (%.3f of the trace bytes)\n", n, tb / 1e6, gb / 1e3, gb / tb
}' | tee -a "$RESULTS"
rm -f "$OUT_DIR/long.log"

say ""
say "merge (wall seconds: best of $REPEAT; cpu s: user+sys of that run; peak MB: largest RSS of the runs)"
printf '%-34s %9s %7s %9s %9s %5s\n' "run" "seconds" "cpu s" "peak MB" "MB/s in" "exit" | tee -a "$RESULTS"
for key in graphs traces; do
    case "$key" in
        graphs) label="analyze graphs/* ($COUNT graphs)"; bytes="$graph_bytes" ;;
        traces) label="analyze traces/* ($COUNT traces)"; bytes="$trace_bytes" ;;
    esac
    awk -v label="$label" -v s="${WALL[$key]}" -v cpu="${CPU[$key]}" -v kb="${RSS[$key]}" -v rc="${RC[$key]}" -v b="$bytes" 'BEGIN {
        printf "%-34s %9.3f %7.2f %9.1f %9.1f %5d\n", label, s, cpu, kb / 1024, b / 1e6 / s, rc
    }' | tee -a "$RESULTS"
done
awk -v g="${WALL[graphs]}" -v t="${WALL[traces]}" 'BEGIN { printf "  merge / traces: %.2fx the time\n", g / t }' | tee -a "$RESULTS"

# 4. The checks: the same violations, in any order of the inputs; with one
#    program, the injected inversions and nothing else.
mapfile -t reversed_graphs < <(printf '%s\n' "$OUT_DIR"/graphs/*.lcg | sort -r)
"$LOCKCHECK" analyze --format json "${reversed_graphs[@]}" > "$OUT_DIR/graphs-reversed.out" 2> "$OUT_DIR/graphs-reversed.err" || true
set +e
python3 - "$OUT_DIR/graphs.out" "$OUT_DIR/traces.out" "$OUT_DIR/graphs-reversed.out" <<'EOF' | tee -a "$RESULTS"
import json, sys
graphs, traces, reversed_graphs = (json.load(open(p)) for p in sys.argv[1:4])
def rules(d): return sorted({v["rule"] for v in d["violations"]})
def prints(d): return {v["fingerprint"] for v in d["violations"]}
g, t = prints(graphs), prints(traces)
print(f"  graphs: {len(graphs['violations'])} violations {graphs['summary']['byRule']}, "
      f"{graphs['summary']['classes']} classes, {graphs['summary']['dependencies']} dependencies")
print(f"  traces: {len(traces['violations'])} violations {traces['summary']['byRule']}, "
      f"{traces['summary']['classes']} classes, {traces['summary']['dependencies']} dependencies, {traces['summary']['events']} events")
print(f"  distinct violations (fingerprints): {len(g & t)} in both, {len(g - t)} only in graphs, {len(t - g)} only in traces")
failed = False
if g != t:
    print(f"FAIL: the violations differ: {len(g - t)} only in graphs, {len(t - g)} only in traces"); failed = True
else:
    print(f"ok: both report the same {len(g)} violations (fingerprints), rule ids {rules(graphs) or 'none'}")
r = prints(reversed_graphs)
if r != g:
    print(f"FAIL: the graphs in reverse order report other violations: {len(r - g)} more, {len(g - r)} fewer"); failed = True
else:
    print("ok: the graphs in reverse order report the same violations")
sys.exit(1 if failed else 0)
EOF
status=${PIPESTATUS[0]}
if [[ "$MODEL_SEED" != per-trace ]]; then
    for run in graphs traces; do
        (grep -h '^# injected lock-order-inversion' "$OUT_DIR"/traces/*.log || true) \
            | python3 "$ROOT/Benchmarks/check-injected.py" "$OUT_DIR/$run.out" "$run" | tee -a "$RESULTS"
        if [[ ${PIPESTATUS[1]} -ne 0 ]]; then status=1; fi
    done
fi
set -e
say "load average after: $(cut -d' ' -f1-3 /proc/loadavg)"
exit "$status"

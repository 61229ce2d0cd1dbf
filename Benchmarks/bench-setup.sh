# What the lockcheck benchmark scripts (analyze-throughput.sh, merge-graphs.sh)
# share: sourced, not run. It defines functions only; a script calls
# bench_setup once, after setting ROOT and OUT_DIR.
#
# bench_setup does, in order:
#   1. GNU time for peak RSS (%M; the shell keyword `time` cannot report it),
#      installed with apt-get when missing;
#   2. $OUT_DIR and an empty $RESULTS ($OUT_DIR/results.txt);
#   3. tracegen, built in release from Benchmarks/ ($TRACEGEN);
#   4. lockcheck: $LOCKCHECK if given, else built in release from the
#      repository root ($LOCKCHECK, and $LOCKCHECK_FROM says which);
#   5. the header of the report: machine, date, which lockcheck, load.
#
# environment read: JOBS (swift build -j), SCRATCH (a --scratch-path for the
# Benchmarks build), LOCKCHECK (a lockcheck binary to time instead of building
# one), LOCKCHECK_SCRATCH (a --scratch-path for that build; default the root's .build)
#
# Also defined: say TEXT… (a line of the report, on stdout and in $RESULTS),
# now (wall clock in seconds, microsecond resolution), and run_once KEY CMD…
# (one timed run: stdout to $OUT_DIR/KEY.out, stderr to $OUT_DIR/KEY.err; the
# best wall seconds in WALL[KEY], the CPU seconds of that run in CPU[KEY], the
# largest peak RSS in KB in RSS[KEY], the exit status in RC[KEY]; an exit
# status above 1, or one that changes between runs, fails the script).

# say TEXT...: one line of the report, on stdout and in $RESULTS.
say() { printf '%s\n' "$*" | tee -a "$RESULTS"; }

# now: wall clock in seconds, microsecond resolution (bash 5).
now() { echo "${EPOCHREALTIME/,/.}"; }

bench_setup() {
    JOBS_FLAG=()
    if [[ -n "${JOBS:-}" ]]; then JOBS_FLAG=(-j "$JOBS"); fi
    BENCH_FLAGS=(--package-path "$ROOT/Benchmarks")
    if [[ -n "${SCRATCH:-}" ]]; then BENCH_FLAGS+=(--scratch-path "$SCRATCH"); fi
    local lockcheck_flags=()
    if [[ -n "${LOCKCHECK_SCRATCH:-}" ]]; then lockcheck_flags=(--scratch-path "$LOCKCHECK_SCRATCH"); fi

    if [[ ! -x /usr/bin/time ]]; then
        echo "installing GNU time (apt-get install time)" >&2
        local sudo=()
        if [[ "$(id -u)" != 0 ]]; then sudo=(sudo); fi
        "${sudo[@]}" apt-get install -y time >/dev/null 2>&1 \
            || { "${sudo[@]}" apt-get update >/dev/null && "${sudo[@]}" apt-get install -y time >/dev/null; }
    fi

    mkdir -p "$OUT_DIR"
    RESULTS="$OUT_DIR/results.txt"
    : > "$RESULTS"

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
        (cd "$ROOT" && swift build -c release "${JOBS_FLAG[@]}" "${lockcheck_flags[@]}" --product lockcheck >&2)
        LOCKCHECK="$(cd "$ROOT" && swift build -c release "${lockcheck_flags[@]}" --show-bin-path)/lockcheck"
    fi

    say "machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | sed 's/.*: //'), $(uname -r)"
    say "date: $(date -u '+%Y-%m-%d %H:%M UTC'); lockcheck $LOCKCHECK_FROM"
    say "load average before: $(cut -d' ' -f1-3 /proc/loadavg)"
    if pgrep -f swift-build > /dev/null; then say "warning: swift-build is running: the figures are taken on a loaded machine"; fi
    return 0
}

declare -A WALL CPU RSS RC
run_once() {
    local key="$1"
    shift
    local stats="$OUT_DIR/time.out" rc=0 t0 t1 user sys kb wall
    t0="$(now)"
    /usr/bin/time -f '%U %S %M' -o "$stats" "$@" > "$OUT_DIR/$key.out" 2> "$OUT_DIR/$key.err" || rc=$?
    t1="$(now)"
    if [[ $rc -gt 1 ]]; then
        echo "FAIL: $* exited with status $rc:" >&2
        tail -n 20 "$OUT_DIR/$key.err" >&2
        exit 1
    fi
    # GNU time may prefix a "Command exited with non-zero status" line.
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

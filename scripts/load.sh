#!/usr/bin/env bash
# scripts/load.sh - run a command (usually a make target) on a deliberately loaded host, several
# times, and count how often it passed. A test whose verdict changes here depends on host speed
# and is a bug (docs/testing.md, "Tests on a loaded host").
#
#   scripts/load.sh [-n SPINNERS] [-r RUNS] [-N NICE] [-c CPULIST] [-o LOGDIR] -- COMMAND...
#
#   -n  busy-looping processes to start (default 2 x nproc): every core is busy all the time
#   -r  how many times to run COMMAND (default 1); each run's output goes to LOGDIR/run-<i>.log
#   -N  run COMMAND (and so every QEMU it starts) at this nice level (default 0): with 10 or
#       more, QEMU gets only what the spinners leave over - a very slow host
#   -c  pin COMMAND (and its QEMUs) to these CPUs with taskset, e.g. 0 (default: no pinning)
#   -o  where the run logs go (default build/load-logs)
#   -k  a directory to keep a copy of after each failing run, e.g. build/test-logs (default:
#       that one) - so the serial logs of a failure are not overwritten by the next run
#
# `make test-loaded` calls this with LOAD_TARGET (default: test), LOAD_RUNS, LOAD_SPINNERS,
# LOAD_NICE and JOBS above the core count. The spinners are bounded by `timeout` (they cannot
# outlive a killed script by more than LOAD_MAX_SECONDS, default 4 h) and killed on exit.
# The last line is `load: P passed, F failed of R runs (...)`; the exit status is 1 if any failed.
set -uo pipefail

spinners=$(($(nproc) * 2))
runs=1
nice_level=0
cpus=""
logdir=build/load-logs
keep=build/test-logs
max_seconds=${LOAD_MAX_SECONDS:-14400}

usage() { sed -n '2,22p' "$0" | sed 's/^# \{0,1\}//'; exit 2; }
while getopts "n:r:N:c:o:k:h" opt; do
    case $opt in
    n) spinners=$OPTARG ;;
    r) runs=$OPTARG ;;
    N) nice_level=$OPTARG ;;
    c) cpus=$OPTARG ;;
    o) logdir=$OPTARG ;;
    k) keep=$OPTARG ;;
    *) usage ;;
    esac
done
shift $((OPTIND - 1))
[ "${1:-}" = "--" ] && shift
[ $# -gt 0 ] || usage

pids=()
stop_spinners() {
    for pid in "${pids[@]}"; do
        kill "$pid" 2>/dev/null
    done
    wait "${pids[@]}" 2>/dev/null
    pids=()
}
trap stop_spinners EXIT
trap 'stop_spinners; exit 130' INT TERM

for ((i = 0; i < spinners; i++)); do
    # A shell loop that never sleeps: one runnable process per spinner, all the time.
    timeout "$max_seconds" sh -c 'while :; do :; done' &
    pids+=($!)
done

wrap=()
[ -n "$cpus" ] && wrap+=(taskset -c "$cpus")
[ "$nice_level" != 0 ] && wrap+=(nice -n "$nice_level")

mkdir -p "$logdir"
echo "load: $spinners spinners on $(nproc) cores; ${wrap[*]:-no wrapper}; $runs run(s) of: $*"
passed=0
failed=0
failed_runs=()
for ((run = 1; run <= runs; run++)); do
    log="$logdir/run-$run.log"
    start=$(date +%s)
    "${wrap[@]}" "$@" >"$log" 2>&1
    rc=$?
    took=$(($(date +%s) - start))
    summary=$(grep -E '^[0-9]+ passed, [0-9]+ failed|^# .* passed, .* failed' "$log" | tail -1)
    if [ $rc -eq 0 ]; then
        passed=$((passed + 1))
        echo "run $run: ok     ${took} s  ${summary}"
    else
        failed=$((failed + 1))
        failed_runs+=("$run")
        kept=""
        if [ -d "$keep" ]; then
            rm -rf "$logdir/run-$run-logs" && cp -r "$keep" "$logdir/run-$run-logs" && kept=", logs in $logdir/run-$run-logs"
        fi
        echo "run $run: FAILED ${took} s  ${summary}  (exit $rc, $log$kept)"
        # The failing tests' lines, so the summary alone says what to look at.
        grep -E '^  FAIL |^not ok' "$log" | head -10 | sed 's/^/    /'
    fi
done
echo "load: $passed passed, $failed failed of $runs runs ($spinners spinners on $(nproc) cores${failed_runs[*]:+; failed: ${failed_runs[*]}})"
[ "$failed" -eq 0 ]

#!/usr/bin/env bash
# Builds the libFuzzer targets and runs each for a given time.
#
#   Fuzz/run.sh [--time SECONDS] [--parallel N] [--no-build] [--replay-only] [TARGET...]
#
# Every target runs for SECONDS (default 30) on its corpus: Fuzz/.corpus/<target>
# (grown by the runs, not in git), seeded from Fuzz/Seeds/<target> and the
# regression inputs in Fixtures/fuzz-regressions/<target>, with the
# dictionaries of Fuzz/Dictionaries. N targets run at a time (default 1).
#
# Each crash, leak, out-of-memory or timeout that libFuzzer reports is copied
# to Fixtures/fuzz-regressions/<target>/<kind>-<sha1> (replayed by `swift test`,
# FuzzRegressionTests) and makes the script exit 1. A table of executions,
# coverage (cov, ft), corpus size and findings per target goes to stdout and
# Fuzz/.results/summary.txt; each target's log to Fuzz/.results/<target>.log.
set -euo pipefail
cd "$(dirname "$0")"
FUZZ_DIR=$(pwd)
ROOT=$(cd .. && pwd)

ALL_TARGETS=(record_framing event_walk scalar_extraction gzip zlib zstd index_file checkpoint)
TIME=30
PARALLEL=1
BUILD=1
REPLAY_ONLY=0
TARGETS=()
while [ $# -gt 0 ]; do
    case "$1" in
        --time) TIME=$2; shift 2 ;;
        --parallel) PARALLEL=$2; shift 2 ;;
        --no-build) BUILD=0; shift ;;
        --replay-only) REPLAY_ONLY=1; shift ;;
        -h|--help) sed -n 2,16p "$0"; exit 0 ;;
        -*) echo "unknown option $1" >&2; exit 2 ;;
        *) TARGETS+=("$1"); shift ;;
    esac
done
[ ${#TARGETS[@]} -eq 0 ] && TARGETS=("${ALL_TARGETS[@]}")

if [ "$BUILD" = 1 ]; then
    echo "== building fuzz targets (release, -sanitize=fuzzer,address)"
    # --sanitize alone left the library uninstrumented in a fresh build
    # (libFuzzer saw ~150 counters instead of ~45,000): the compiler flags
    # are given explicitly too.
    swift build -c release --sanitize=fuzzer --sanitize=address -Xswiftc -sanitize=fuzzer,address 2>&1 \
        | grep -Ev "warning: Cannot export local symbol" | tail -3
fi
BIN="$FUZZ_DIR/.build/release"
RESULTS="$FUZZ_DIR/.results"
mkdir -p "$RESULTS"

# Swift's own crash backtracer would run inside ASan's reports; libFuzzer
# prints the stack. SIGBUS is MappingGuard's (files truncated while mapped).
export SWIFT_BACKTRACE=enable=no
export ASAN_OPTIONS=${ASAN_OPTIONS:-handle_sigbus=0:detect_leaks=1:allocator_may_return_null=0}

dictionary_for() {
    case "$1" in
        record_framing) echo tfrecord ;;
        event_walk|scalar_extraction) echo protobuf ;;
        gzip|zlib|zstd) echo "compression tfrecord" ;;
        index_file) echo index ;;
        checkpoint) echo textformat ;;
    esac
}

# Replays the regression inputs of $1: every one must run clean.
replay() {
    local target=$1 dir="$ROOT/Fixtures/fuzz-regressions/$1"
    [ -d "$dir" ] || return 0
    local files=("$dir"/*)
    [ -e "${files[0]}" ] || return 0
    if ! "$BIN/fuzz_$target" -runs=1 "${files[@]}" > "$RESULTS/$target.replay.log" 2>&1; then
        echo "REPLAY FAILED: $target (see $RESULTS/$target.replay.log)"
        return 1
    fi
}

run_target() {
    local target=$1
    local corpus="$FUZZ_DIR/.corpus/$target" artifacts="$RESULTS/artifacts-$target"
    local dict="$RESULTS/$target.dict" log="$RESULTS/$target.log"
    mkdir -p "$corpus" "$artifacts"
    : > "$dict"
    for name in $(dictionary_for "$target"); do cat "Dictionaries/$name.dict" >> "$dict"; done
    local inputs=("$corpus" "$FUZZ_DIR/Seeds/$target")
    [ -d "$ROOT/Fixtures/fuzz-regressions/$target" ] && inputs+=("$ROOT/Fixtures/fuzz-regressions/$target")
    # -fork with 1 job keeps fuzzing after a finding (each one saved), so a
    # long campaign reports all it finds, not only the first.
    "$BIN/fuzz_$target" -max_total_time="$TIME" -print_final_stats=1 -dict="$dict" \
        -artifact_prefix="$artifacts/" -timeout=10 -rss_limit_mb=2048 -max_len=4096 \
        -fork=1 -ignore_crashes=1 -ignore_timeouts=1 -ignore_ooms=1 \
        "${inputs[@]}" > "$log" 2>&1 || true
}

status=0
if [ "$REPLAY_ONLY" = 0 ]; then
    running=0
    for target in "${TARGETS[@]}"; do
        echo "== fuzzing $target for ${TIME}s"
        run_target "$target" &
        running=$((running + 1))
        if [ "$running" -ge "$PARALLEL" ]; then wait -n || true; running=$((running - 1)); fi
    done
    wait
fi

printf "%-18s %10s %10s %8s %8s %8s %s\n" target seconds execs cov ft corpus findings > "$RESULTS/summary.txt"
for target in "${TARGETS[@]}"; do
    replay "$target" || status=1
    log="$RESULTS/$target.log"
    findings=0
    if [ "$REPLAY_ONLY" = 0 ] && [ -f "$log" ]; then
        for artifact in "$RESULTS/artifacts-$target"/*; do
            [ -f "$artifact" ] || continue
            base=$(basename "$artifact")
            kind=${base%%-*}
            case "$kind" in crash|leak|oom|timeout) ;; *) continue ;; esac
            mkdir -p "$ROOT/Fixtures/fuzz-regressions/$target"
            dest="$ROOT/Fixtures/fuzz-regressions/$target/$kind-$(sha1sum "$artifact" | cut -c1-16)"
            cp "$artifact" "$dest"
            rm -f "$artifact"
            echo "FINDING: $target $kind -> ${dest#$ROOT/}"
            findings=$((findings + 1))
            status=1
        done
        # Final figures: libFuzzer's last status line and statistics (with
        # -fork, the merged counts are on the last "#N ... cov: ... ft:" line).
        line=$(grep -E "^#[0-9]+" "$log" | grep -E "cov: [0-9]+" | tail -1 || true)
        execs=$(echo "$line" | sed -nE 's/^#([0-9]+).*/\1/p')
        cov=$(echo "$line" | sed -nE 's/.*cov: ([0-9]+).*/\1/p')
        ft=$(echo "$line" | sed -nE 's/.* ft: ([0-9]+).*/\1/p')
        corpus=$(echo "$line" | sed -nE 's/.*corp: ([0-9]+).*/\1/p')
        printf "%-18s %10s %10s %8s %8s %8s %s\n" "$target" "$TIME" "${execs:-?}" "${cov:-?}" "${ft:-?}" \
            "${corpus:-?}" "$findings" >> "$RESULTS/summary.txt"
    fi
done
cat "$RESULTS/summary.txt"
[ "$status" = 0 ] && echo "fuzzing: no findings" || echo "fuzzing: FINDINGS (see above)"
exit "$status"

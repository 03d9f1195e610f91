#!/usr/bin/env bash
# The index benchmark of issue 5, with the release `tfevents`:
#  1. a full index of a generated log directory of about 1 GiB in 8 runs,
#     on both cores and on one (--jobs 1);
#  2. the same for 2,000 small files in 200 runs;
#  3. a re-index after appending 1 MiB to one file: bytes read and time;
#  4. the index size against the scalar events it covers.
# Usage: Benchmarks/index/index-bench.sh [WORK_DIR] [SCALE]   (SCALE 1 = 1 GiB)
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/../.." && pwd)"
WORK="${1:-/tmp/tfevents-index-bench}"
SCALE="${2:-1}"
TF="$ROOT/.build/release/tfevents"
(cd "$ROOT" && swift build -c release --product tfevents >/dev/null)
mkdir -p "$WORK"
size=$(python3 -c "print(int($SCALE * (1 << 30)))")
small=$(python3 -c "print(int($SCALE * (128 << 20)))")

if [ ! -d "$WORK/big" ]; then
    # 8 runs of one eval log each (TF1 and TF2 alternate).
    for r in 0 1 2 3 4 5 6 7; do
        "$TF" generate "$WORK/big-tmp/run$r" --kind eval --size $((size / 8)) --files 1 --seed $((r + 1)) >/dev/null
        mkdir -p "$WORK/big/run$r"
        mv "$WORK/big-tmp/run$r/eval/"* "$WORK/big/run$r/"
    done
    rm -rf "$WORK/big-tmp"
    "$TF" generate "$WORK/small" --kind small --size "$small" --files 2000 --runs 200 >/dev/null
fi
cat "$WORK"/big/*/* "$WORK"/small/*/* >/dev/null   # warm the page cache

median() { sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }
time_index() {  # DIR INDEX JOBS -> median elapsed seconds of 3 full builds
    for i in 1 2 3; do
        "$TF" index "$1" --index "$2" --rebuild --jobs "$3" --progress never --format json \
            | python3 -c "import json,sys; print(json.load(sys.stdin)['elapsed_seconds'])"
    done | median
}

echo "corpus  jobs=2 s  jobs=1 s  speed-up"
for corpus in big small; do
    two=$(time_index "$WORK/$corpus" "$WORK/$corpus.tfindex" 2)
    one=$(time_index "$WORK/$corpus" "$WORK/$corpus-1.tfindex" 1)
    python3 -c "print('%-6s  %8.3f  %8.3f  %7.2fx' % ('$corpus', $two, $one, $one / $two))"
done

# Re-index after appending 1 MiB of whole records to one file.
target=$(ls "$WORK"/big/run3/*)
"$TF" generate "$WORK/append-src" --kind eval --size 1M --files 1 --seed 99 >/dev/null
src=$(ls "$WORK"/append-src/eval/*)
# Skip the source's file_version record (24-byte payload + 16) so only evaluations are appended.
tail -c +41 "$src" >> "$target"
full=$(time_index "$WORK/big" "$WORK/big.tfindex" 2)
sync  # the build just written is flushed, as it would be minutes later
tail -c +41 "$src" >> "$target"
"$TF" index "$WORK/big" --index "$WORK/big.tfindex" --progress never --format json > "$WORK/reindex.json"
python3 - "$WORK/reindex.json" "$full" <<'PY'
import json, sys
r = json.load(open(sys.argv[1])); full = float(sys.argv[2])
print("re-index after appending %d bytes: read %d bytes (%.2f MiB), %.1f ms = %.2f%% of the full index (%.3f s), written: %s"
      % (r["bytes_read"], r["bytes_read"], r["bytes_read"] / 2**20, r["elapsed_seconds"] * 1000,
         100 * r["elapsed_seconds"] / full, full, r["write_mode"]))
PY
rm -rf "$WORK/append-src"

# Index size against the scalar events it covers (every event holds scalars).
events=$(du -cb "$WORK"/big/*/* | tail -1 | cut -f1)
index=$(stat -c %s "$WORK/big.tfindex")
python3 -c "print('index size: %d bytes for %d bytes of scalar events = 1/%.1f' % ($index, $events, $events / $index))"

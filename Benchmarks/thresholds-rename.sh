#!/usr/bin/env bash
# package-benchmark 1.x writes Thresholds/<target>.<name>.p90.json with every
# space of the benchmark's name turned into "_", but `thresholds check` reads
# the file named with the spaces. This renames the files written by
# `thresholds update` to the names the check reads. (None of our benchmark
# names contains "_" or "/", so the mapping is unambiguous.)
set -euo pipefail
cd "$(dirname "$0")/Thresholds"
for file in *_*.p90.json; do
    [ -e "$file" ] || continue
    target=${file%%.*}
    rest=${file#*.}
    mv -f -- "$file" "$target.${rest//_/ }"
done

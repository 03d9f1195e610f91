#!/usr/bin/env bash
# The whole test suite: the Swift tests, then the Python package's tests
# (python/tests/run.sh: the wheel built from this build's binary, installed
# into a fresh virtual environment, pytest against TensorBoard's loader and
# tbparse). The README's test command is `Tests/with-servers.sh Tests/run-all.sh`;
# arguments go to `swift test`.
set -euo pipefail
cd "$(dirname "$0")/.."
swift test "$@"
python/tests/run.sh

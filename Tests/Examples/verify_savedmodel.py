#!/usr/bin/env python3
"""Checks an export written by docs/examples/*_to_savedmodel.py the way a
server would use it: loads the SavedModel through its serving signature,
feeds it a batch, and compares the answer with the checkpoint's own model
on the same batch. Exits 1 with the difference when they disagree.

    verify_savedmodel.py estimator EXPORT_DIR CHECKPOINT_PREFIX INPUT_TENSOR OUTPUT_TENSOR
    verify_savedmodel.py keras EXPORT_DIR MODEL.keras
"""
import os
import sys

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
os.environ.setdefault("KERAS_BACKEND", "tensorflow")
import numpy as np  # noqa: E402
import tensorflow as tf  # noqa: E402


def estimator(export_dir, checkpoint, input_tensor, output_tensor):
    tf1 = tf.compat.v1
    batch = np.random.default_rng(7).normal(size=(5, 4)).astype(np.float32)
    graph = tf.Graph()
    with graph.as_default(), tf1.Session(graph=graph) as session:
        meta = tf1.saved_model.loader.load(session, ["serve"], export_dir)
        signature = meta.signature_def["serving_default"]
        served = session.run(signature.outputs["logits"].name, {signature.inputs["features"].name: batch})
    graph = tf.Graph()
    with graph.as_default(), tf1.Session(graph=graph) as session:
        tf1.train.import_meta_graph(checkpoint + ".meta", clear_devices=True).restore(session, checkpoint)
        direct = session.run(output_tensor, {input_tensor: batch})
    return served, direct


def keras_model(export_dir, checkpoint):
    import keras
    model = keras.saving.load_model(checkpoint)
    shape = (5,) + tuple(model.inputs[0].shape[1:])
    batch = np.random.default_rng(7).normal(size=shape).astype(np.float32)
    loaded = tf.saved_model.load(export_dir)  # kept: its variables live as long as it does
    served = loaded.serve(batch).numpy()
    direct = model.predict(batch, verbose=0)
    return served, direct


def main():
    kind, export_dir, *rest = sys.argv[1:]
    if not os.path.exists(os.path.join(export_dir, "saved_model.pb")) and \
            not os.path.exists(os.path.join(export_dir, "saved_model.pbtxt")):
        sys.exit(f"{export_dir}: no saved_model.pb")
    served, direct = estimator(export_dir, *rest) if kind == "estimator" else keras_model(export_dir, *rest)
    if served.shape != direct.shape or not np.allclose(served, direct, rtol=1e-6, atol=1e-6):
        sys.exit(f"served {served.tolist()} != checkpoint {direct.tolist()}")
    print(f"ok: {served.shape} outputs agree")


if __name__ == "__main__":
    main()

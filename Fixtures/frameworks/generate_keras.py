#!/usr/bin/env python3
"""Regenerates Fixtures/frameworks/keras/<case>/ with real Keras 3 (TensorFlow backend).

Each case folder is the folder a user would pass to swift-tfevents ("model_dir": ".").
Training runs with that folder as the working directory and only relative paths:
  keras.callbacks.TensorBoard(log_dir="logs")      -> logs/train/, logs/validation/
  keras.callbacks.ModelCheckpoint(save_best_only=True, ...)  -> ckpt/...
Keras's own choice of best is the LAST file ModelCheckpoint wrote (recorded twice: by a
ModelCheckpoint subclass that logs every save decision, and by diffing the directory
listing after every epoch).

Run (one process at a time, CPU only, a few seconds):
  $KERAS_VENV/bin/python Fixtures/frameworks/generate_keras.py
The venv: python3.11 -m venv $KERAS_VENV &&
  $KERAS_VENV/bin/pip install tensorflow-cpu keras tensorboard
(TF 2.21's tf.summary.scalar needs the separate `tensorboard` package.)
"""
import json
import os
import shutil
import sys

os.environ.setdefault("KERAS_BACKEND", "tensorflow")
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
os.environ.setdefault("CUDA_VISIBLE_DEVICES", "")
os.environ.setdefault("PYTHONHASHSEED", "0")

import numpy as np  # noqa: E402
import tensorflow as tf  # noqa: E402
import keras  # noqa: E402
import tensorboard  # noqa: E402
from tensorboard.backend.event_processing import event_file_loader  # noqa: E402
from tensorboard.backend.event_processing import event_accumulator  # noqa: E402
from tensorboard.compat.proto import event_pb2  # noqa: E402
from tensorboard.util import tensor_util  # noqa: E402

HERE = os.path.dirname(os.path.abspath(__file__))
OUT = os.path.join(HERE, "keras")
SEED = 1234
FRAMEWORK = f"keras {keras.__version__} (tensorflow {tf.__version__})"

tf.config.threading.set_intra_op_parallelism_threads(1)
tf.config.threading.set_inter_op_parallelism_threads(1)
tf.config.experimental.enable_op_determinism()


def make_data(seed, noise_scale):
    rng = np.random.default_rng(seed)
    w = rng.normal(size=(4,)).astype("float32")

    def draw(n):
        x = rng.normal(size=(n, 4)).astype("float32")
        noise = rng.normal(scale=noise_scale, size=(n,)).astype("float32")
        y = ((x @ w + noise) > 0).astype("float32").reshape(n, 1)
        return x, y

    return draw(64), draw(32)


class RecordingModelCheckpoint(keras.callbacks.ModelCheckpoint):
    """A real ModelCheckpoint that also records every save decision it takes."""

    def __init__(self, *a, **kw):
        super().__init__(*a, **kw)
        self.decisions = []

    def _should_save_model(self, epoch, batch, logs, filepath):
        best_before = None if self.best is None else float(self.best)
        save = super()._should_save_model(epoch, batch, logs, filepath)
        self.decisions.append({
            "epoch_index": epoch,
            "monitor_value_in_logs": float(logs[self.monitor]),
            "monitor_value_type": type(logs[self.monitor]).__name__,
            "best_before": best_before,
            "saved": bool(save),
            "filepath": filepath,
        })
        return save


class ListingDiff(keras.callbacks.Callback):
    """Runs after ModelCheckpoint: which files appeared/changed under ckpt/ this epoch."""

    def __init__(self, root):
        super().__init__()
        self.root = root
        self.prev = {}
        self.per_epoch = []

    def _snapshot(self):
        snap = {}
        if os.path.isdir(self.root):
            for d, _, files in os.walk(self.root):
                for f in files:
                    p = os.path.join(d, f)
                    st = os.stat(p)
                    snap[os.path.relpath(p)] = (st.st_mtime_ns, st.st_size)
        return snap

    def on_epoch_end(self, epoch, logs=None):
        snap = self._snapshot()
        new_or_changed = sorted(p for p, v in snap.items() if self.prev.get(p) != v)
        self.per_epoch.append({"epoch_index": epoch, "written": new_or_changed})
        self.prev = snap


def read_scalars(path):
    """Every scalar in an event file via TensorBoard's EventFileLoader (TF2 tensors
    converted with tensor_util.make_ndarray(...).item(), as TensorBoard does)."""
    out = {}
    for ev in event_file_loader.EventFileLoader(path).Load():
        if not ev.HasField("summary"):
            continue
        for v in ev.summary.value:
            if v.HasField("tensor") and v.metadata.plugin_data.plugin_name == "scalars":
                val = tensor_util.make_ndarray(v.tensor).item()
                dtype = tensor_util.make_ndarray(v.tensor).dtype.name
            elif v.HasField("simple_value"):
                val, dtype = float(v.simple_value), "simple_value(float32)"
            else:
                continue
            out.setdefault(v.tag, []).append({
                "step": ev.step, "value": float(val), "wall_time": ev.wall_time,
                "dtype": dtype, "tensor_hex": v.tensor.tensor_content.hex()
                if v.HasField("tensor") else None,
            })
    return out


def raw_structure(path):
    """Record-level facts: how many Summary values each event holds, per tag."""
    events = []
    for rec in event_file_loader.RawEventFileLoader(path).Load():
        ev = event_pb2.Event.FromString(rec)
        kind = ev.WhichOneof("what")
        item = {"step": ev.step, "kind": kind}
        if kind == "summary":
            item["num_values"] = len(ev.summary.value)
            item["tags"] = [v.tag for v in ev.summary.value]
        events.append(item)
    return events


def accumulator_scalars(run_dir, tag):
    acc = event_accumulator.EventAccumulator(run_dir, size_guidance={"tensors": 0, "scalars": 0})
    acc.Reload()
    tags = acc.Tags()
    res = []
    if tag in tags.get("tensors", []):
        for t in acc.Tensors(tag):
            res.append([t.step, t.wall_time, float(tensor_util.make_ndarray(t.tensor_proto).item())])
    elif tag in tags.get("scalars", []):
        for s in acc.Scalars(tag):
            res.append([s.step, s.wall_time, float(s.value)])
    return res


def list_files(root="."):
    out = []
    for d, _, files in os.walk(root):
        for f in files:
            out.append(os.path.relpath(os.path.join(d, f), root))
    return sorted(out)


def run_case(name, template, monitor, mode, save_weights_only, epochs, lr_schedule, lr, noise, notes_extra):
    case_dir = os.path.join(OUT, name)
    shutil.rmtree(case_dir, ignore_errors=True)
    os.makedirs(case_dir)
    cwd = os.getcwd()
    os.chdir(case_dir)
    try:
        keras.utils.set_random_seed(SEED)
        (x, y), (xv, yv) = make_data(SEED, noise)
        model = keras.Sequential([
            keras.Input(shape=(4,)),
            keras.layers.Dense(8, activation="relu"),
            keras.layers.Dense(1, activation="sigmoid"),
        ])
        model.compile(optimizer=keras.optimizers.SGD(learning_rate=lr),
                      loss="binary_crossentropy", metrics=["accuracy"])
        ckpt = RecordingModelCheckpoint(filepath=template, monitor=monitor, mode=mode,
                                        save_best_only=True,
                                        save_weights_only=save_weights_only)
        diff = ListingDiff("ckpt")
        callbacks = [keras.callbacks.TensorBoard(log_dir="logs"), ckpt, diff]
        if lr_schedule is not None:
            callbacks.insert(0, keras.callbacks.LearningRateScheduler(lr_schedule))
        hist = model.fit(x, y, validation_data=(xv, yv), epochs=epochs, batch_size=16,
                         shuffle=False, verbose=0, callbacks=callbacks)

        saved = [d for d in ckpt.decisions if d["saved"]]
        last_saved = saved[-1]["filepath"]
        written_by_listing = [w for e in diff.per_epoch for w in e["written"]]
        assert written_by_listing[-1] == last_saved, (written_by_listing, last_saved)
        best_epoch_index = saved[-1]["epoch_index"]

        val_dir = os.path.join("logs", "validation")
        val_files = sorted(os.path.join(val_dir, f) for f in os.listdir(val_dir))
        train_dir = os.path.join("logs", "train")
        train_files = sorted(os.path.join(train_dir, f) for f in os.listdir(train_dir))
        metric_tag = "epoch_" + monitor[len("val_"):]
        evaluations, raw = [], {}
        for f in val_files:
            sc = read_scalars(f)
            for p in sc.get(metric_tag, []):
                evaluations.append({"step": p["step"], "value": p["value"], "wall_time": p["wall_time"]})
            raw[f] = {"structure": raw_structure(f),
                      "scalars": {t: [[p["step"], p["value"], p["dtype"], p["tensor_hex"]] for p in pts]
                                  for t, pts in sc.items()}}
        acc = accumulator_scalars(val_dir, metric_tag)
        assert [[e["step"], e["wall_time"], e["value"]] for e in evaluations] == acc, (evaluations, acc)

        # step <-> {epoch} mapping: the logged step of the best evaluation vs the name.
        best_events = [e for e in evaluations if e["step"] == best_epoch_index]
        assert len(best_events) == 1
        best_event = best_events[0]
        assert float(np.float32(saved[-1]["monitor_value_in_logs"])) == best_event["value"]
        logged_values = [e["value"] for e in evaluations]
        extreme = min(logged_values) if mode == "min" else max(logged_values)
        steps_at_extreme = [e["step"] for e in evaluations if e["value"] == extreme]

        if name == "keras_tie":
            # The tie must be exact in the event file: identical float32 tensor bytes.
            pts = [p for f in val_files for p in raw[f]["scalars"][metric_tag]]
            tied = {p[3] for p in pts if p[0] >= TIE_FROM - 1}
            assert len(tied) == 1 and steps_at_extreme == list(range(TIE_FROM - 1, epochs)), (tied, steps_at_extreme)
        per_epoch_val = [float(v) for v in hist.history[monitor]]
        expected = {
            "framework": FRAMEWORK,
            "model_dir": ".",
            "event_files": val_files,
            "metric_tag": metric_tag,
            "mode": mode,
            "evaluations": evaluations,
            "checkpoint_template": template,
            "checkpoints_on_disk": sorted(p for p in list_files(".") if p.startswith("ckpt/")),
            "framework_best_checkpoint": last_saved,
            "framework_best_step": best_event["step"],
            "framework_best_metric": best_event["value"],
            "notes": (
                f"Keras ModelCheckpoint(save_best_only=True, monitor={monitor!r}, mode={mode!r}"
                f"{', save_weights_only=True' if save_weights_only else ''}). Keras's choice of best = "
                "the last file ModelCheckpoint wrote (recorded by a ModelCheckpoint subclass and "
                "confirmed by diffing the ckpt/ listing after each epoch). Step mapping: the "
                f"'{{epoch}}' in the file name = step of the logged '{metric_tag}' event in "
                "logs/validation/ + 1 (Keras formats filepath with epoch=epoch_index+1, the "
                "TensorBoard callback logs step=epoch_index). framework_best_metric is the value "
                "as stored in the event file (float32 rank-0 tensor widened to double). "
                "logs/validation/ also holds 'evaluation_<metric>_vs_iterations' scalars whose "
                "step is optimizer.iterations (batches so far), not the epoch. "
                "Save rule: Keras saves only on strict improvement (ops.less / ops.greater with "
                "min_delta=0), so among tied best values the FIRST epoch's file is the one "
                f"written. Steps holding the extreme logged value: {steps_at_extreme}. "
                + notes_extra
            ),
            # Extra detail beyond the common schema:
            "other_event_files": train_files,
            "framework_log": {
                "keras_version": keras.__version__,
                "tensorflow_version": tf.__version__,
                "tensorboard_version": tensorboard.__version__,
                "seed": SEED,
                "epochs": epochs,
                "optimizer": f"SGD(learning_rate={lr}, momentum=0)",
                "label_noise_scale": noise,
                "history_" + monitor: per_epoch_val,
                "model_checkpoint_decisions": ckpt.decisions,
                "ckpt_listing_diff_per_epoch": diff.per_epoch,
                "model_checkpoint_best_attr": float(ckpt.best),
                "steps_at_extreme_logged_value": steps_at_extreme,
            },
            "event_file_details": raw,
        }
        with open("expected.json", "w") as fh:
            json.dump(expected, fh, indent=1)
            fh.write("\n")
        print(name, "best:", last_saved, "step", best_event["step"], "value", best_event["value"],
              "values:", logged_values, file=sys.stderr)
    finally:
        os.chdir(cwd)


def main():
    cases = sys.argv[1:] or ["weights_h5", "keras_tie"]
    if "weights_h5" in cases:
        # Label noise (scale 3) and a large learning rate (3.0): val_loss falls for three
        # epochs, then gets worse and bounces, so the best is in the middle (step 2).
        run_case("weights_h5", "ckpt/epoch{epoch:02d}-{val_loss:.4f}.weights.h5",
                 "val_loss", "min", True, epochs=6, lr_schedule=None, lr=3.0, noise=3.0,
                 notes_extra="")
    if "keras_tie" in cases:
        # Plain SGD (no momentum); from epoch index TIE_FROM on lr=0, so the weights stop
        # changing and every later val_loss is bit-identical to the one of epoch TIE_FROM-1.
        run_case("keras_tie", "ckpt/model-{epoch:02d}.keras", "val_loss", "min", False,
                 epochs=6, lr_schedule=lambda epoch, lr: TIE_LR if epoch < TIE_FROM else 0.0,
                 lr=TIE_LR, noise=1.0,
                 notes_extra=(f"Tie: LearningRateScheduler sets lr=0.0 from epoch index {TIE_FROM} "
                              "on (plain SGD), so val_loss at steps >= "
                              f"{TIE_FROM - 1} is bit-identical (same float32 tensor bytes in the "
                              "event file, see event_file_details)."))


TIE_LR = 0.1
TIE_FROM = 3

if __name__ == "__main__":
    main()

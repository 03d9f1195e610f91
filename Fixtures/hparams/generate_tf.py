#!/usr/bin/env python3
"""Regenerates Fixtures/hparams/tf/ with TensorFlow's hparams API
(`tensorboard.plugins.hparams.api as hp`) and direct tf.summary writes.

Layout (the folder itself is the logdir):
  ./                 hp.hparams_config(hparams=[...], metrics=[...]) written once
  run-K/             hp.hparams({...}, trial_id=...), scalar `final_score` at step 4,
                     and (like hp.KerasCallback.on_train_end does) a SessionEndInfo
  run-K/train/       scalar `epoch_loss` at steps 0..4
  run-K/validation/  scalar `epoch_accuracy` at steps 0..4
HParams: num_units Discrete([8, 16]) (int), dropout RealInterval(0.1, 0.3),
optimizer Discrete(['adam', 'sgd']), augment Discrete([True, False]).
Metrics: epoch_accuracy (group 'validation', display name 'val accuracy'),
epoch_loss (group 'train'), final_score (group '' = the run itself).
Trials: run-0 (trial t0), run-1 (t1, ends STATUS_FAILURE), run-2 (t2) and run-3, a
repeat of run-2's hparams under the SAME trial_id t2 (another seed) that has no
SessionEndInfo, so group t2 holds two sessions whose metrics the plugin averages.
All values are scripted and float32-exact; the best group is t2.

Run (one process, ~10 s incl. TensorFlow import, any cwd):
  $KERAS_VENV/bin/python Fixtures/hparams/generate_tf.py
The venv has tensorflow 2.21, keras 3.15 and tensorboard 2.21.
"""
import os
import shutil
import sys

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
os.environ.setdefault("CUDA_VISIBLE_DEVICES", "")

sys.dont_write_bytecode = True  # leave no __pycache__ next to the fixtures
HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
sys.path.insert(0, os.path.join(os.path.dirname(HERE), "frameworks"))

import tensorflow as tf  # noqa: E402
from tensorboard.plugins.hparams import api as hp  # noqa: E402
from tensorboard.plugins.hparams import api_pb2  # noqa: E402
from tensorboard.plugins.hparams import summary as hparams_summary  # noqa: E402

import machine_paths  # noqa: E402
import plugin_expected  # noqa: E402

OUT = os.path.join(HERE, "tf")
SEED = 20240611

HP_NUM_UNITS = hp.HParam("num_units", hp.Discrete([8, 16]))
HP_DROPOUT = hp.HParam("dropout", hp.RealInterval(0.1, 0.3))
HP_OPTIMIZER = hp.HParam("optimizer", hp.Discrete(["adam", "sgd"]))
HP_AUGMENT = hp.HParam("augment", hp.Discrete([True, False]))
METRICS = [
    hp.Metric("epoch_accuracy", group="validation", display_name="val accuracy"),
    hp.Metric("epoch_loss", group="train"),
    hp.Metric("final_score"),
]

# (run, trial_id, hparams, final val accuracy, final train loss, final_score, end status or None)
TRIALS = [
    ("run-0", "t0", {HP_NUM_UNITS: 8, HP_DROPOUT: 0.1, HP_OPTIMIZER: "adam", HP_AUGMENT: True},
     0.8125, 0.375, 0.75, api_pb2.STATUS_SUCCESS),
    ("run-1", "t1", {HP_NUM_UNITS: 16, HP_DROPOUT: 0.2, HP_OPTIMIZER: "sgd", HP_AUGMENT: False},
     0.6875, 0.625, 0.5, api_pb2.STATUS_FAILURE),
    ("run-2", "t2", {HP_NUM_UNITS: 16, HP_DROPOUT: 0.3, HP_OPTIMIZER: "adam", HP_AUGMENT: True},
     0.875, 0.25, 0.875, api_pb2.STATUS_SUCCESS),
    ("run-3", "t2", {HP_NUM_UNITS: 16, HP_DROPOUT: 0.3, HP_OPTIMIZER: "adam", HP_AUGMENT: True},
     0.9375, 0.125, 0.9375, None),
]
STEPS = 5


def write_session_end(status):
    """What hp.KerasCallback.on_train_end writes (there with STATUS_SUCCESS)."""
    pb = hparams_summary.session_end_pb(status)
    tf.summary.experimental.write_raw_pb(pb.SerializeToString(), step=0)


def main():
    tf.random.set_seed(SEED)
    shutil.rmtree(OUT, ignore_errors=True)
    os.makedirs(OUT)
    cwd = os.getcwd()
    os.chdir(OUT)  # writers only ever see relative paths
    try:
        root = tf.summary.create_file_writer(".")
        with root.as_default():
            hp.hparams_config(hparams=[HP_NUM_UNITS, HP_DROPOUT, HP_OPTIMIZER, HP_AUGMENT],
                              metrics=METRICS)
        root.close()
        for run, trial_id, hparams, accuracy, loss, score, status in TRIALS:
            session = tf.summary.create_file_writer(run)
            train = tf.summary.create_file_writer(os.path.join(run, "train"))
            validation = tf.summary.create_file_writer(os.path.join(run, "validation"))
            with session.as_default():
                hp.hparams(hparams, trial_id=trial_id)
            for step in range(STEPS):
                with train.as_default():
                    tf.summary.scalar("epoch_loss", loss + (STEPS - 1 - step) * 0.125, step=step)
                with validation.as_default():
                    tf.summary.scalar("epoch_accuracy", accuracy - (STEPS - 1 - step) * 0.0625, step=step)
            with session.as_default():
                tf.summary.scalar("final_score", score, step=STEPS - 1)
                if status is not None:
                    write_session_end(status)
            for w in (session, train, validation):
                w.close()
    finally:
        os.chdir(cwd)

    notes = [
        "Values are scripted (float32-exact): run-K/train epoch_loss at steps 0..4 = final_loss + (4-step)*0.125; "
        "run-K/validation epoch_accuracy = final_acc - (4-step)*0.0625; run-K final_score at step 4. "
        "Group t2 (run-2 + run-3) is best: averages epoch_accuracy 0.90625, epoch_loss 0.1875, final_score 0.90625.",
        "The experiment (_hparams_/experiment) is written ONCE, in the root run '.', by hp.hparams_config; it is "
        "used as is (hparam_infos re-sorted by (not differs, name); differs is never set by the writer). Domains: "
        "Discrete int -> DATA_TYPE_FLOAT64 + domain_discrete numbers; RealInterval -> DATA_TYPE_FLOAT64 + "
        "domain_interval; Discrete str -> DATA_TYPE_STRING; Discrete bool -> DATA_TYPE_BOOL + [true,false]. "
        "Metric groups/display names come from hp.Metric.",
        "hp.hparams writes _hparams_/session_start_info into run-K (step 0, NULL tensor) with group_name = trial_id "
        "and start_time_secs = time.time(); bools stay bool_value, ints become number_value (16 -> 16.0). "
        "Session name = run name 'run-K'; group name = group_name (trial_id), so run-2 and run-3 (both trial t2) "
        "form ONE group with two sessions, group hparams copied from the first session added.",
        "Metric association: run = session name joined with the metric group ('run-0/validation', 'run-0/train'; "
        "group '' -> 'run-0' itself), tag = metric tag; value = the last scalar of that run/tag the multiplexer "
        "holds (here the step-4 value). Group metric_values = AGGREGATION_AVG over its sessions: mean value, "
        "mean wall_time, floor of the mean step.",
        "hp.hparams writes no SessionEndInfo; hp.KerasCallback.on_train_end writes one with STATUS_SUCCESS via "
        "summary.session_end_pb. This script writes that for run-0 and run-2, STATUS_FAILURE for run-1, and "
        "nothing for run-3 -> status absent in JSON (STATUS_UNKNOWN), end_time_secs absent. A request whose "
        "allowed_statuses lacks STATUS_UNKNOWN drops run-3.",
        "The root run '.' holds only the experiment summary (no session start info), so it is not a session.",
    ]
    writer_name = (f"tensorflow {tf.__version__} tf.summary + tensorboard.plugins.hparams.api "
                   f"(tensorboard {plugin_expected.TENSORBOARD_VERSION})")
    data = plugin_expected.expected(OUT, writer_name, notes)
    plugin_expected.write(os.path.join(OUT, "expected.json"), data)
    print(plugin_expected.summary(data))
    print("plugin_run_order:", data["plugin_run_order"])
    machine_paths.report(OUT)


if __name__ == "__main__":
    main()

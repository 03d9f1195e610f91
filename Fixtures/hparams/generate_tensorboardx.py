#!/usr/bin/env python3
"""Regenerates Fixtures/hparams/tensorboardx/ with the real tensorboardX.SummaryWriter.

One logdir (the folder itself) with 4 runs. Each run logs `train/loss` at steps 0..9
and `val/accuracy` at steps 3, 6, 9 with add_scalar, then calls
add_hparams(hparam_dict, metric_dict) with a float (lr), an int (batch_size), a
string (optimizer) and a bool (augment). tensorboardX writes the experiment,
session start/end info and the metric_dict scalars into a NEW writer in the
subdirectory `<run>/<str(time.time())>/` (its default `name`), which is kept as is.
All values are scripted and float32-exact; the best run is lr0.01_bs32
(hparam/accuracy 0.9375), lr0.1_bs16 and lr0.001_bs16 tie at 0.875. The last run
passes global_step=9 to add_hparams (the others leave it None -> step 0).

Run (one process, a few seconds, any cwd):
  $TORCH_VENV/bin/python Fixtures/hparams/generate_tensorboardx.py
The venv has torch 2.13 CPU, tensorboard 2.21, tensorboardX 2.6.5 (no TensorFlow
needed: tensorboard's hparams plugin runs on its tf stub).
"""
import os
import shutil
import sys
import time

sys.dont_write_bytecode = True  # leave no __pycache__ next to the fixtures
HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
sys.path.insert(0, os.path.join(os.path.dirname(HERE), "frameworks"))

import numpy as np  # noqa: E402
import tensorboardX  # noqa: E402
from tensorboardX import SummaryWriter  # noqa: E402

import machine_paths  # noqa: E402
import plugin_expected  # noqa: E402

OUT = os.path.join(HERE, "tensorboardx")
SEED = 20240611

# (run dir, hparam_dict, final val accuracy, final train loss, add_hparams global_step)
RUNS = [
    ("lr0.1_bs16", {"lr": 0.1, "batch_size": 16, "optimizer": "sgd", "augment": True}, 0.875, 0.3125, None),
    ("lr0.01_bs32", {"lr": 0.01, "batch_size": 32, "optimizer": "adam", "augment": False}, 0.9375, 0.1875, None),
    ("lr0.001_bs16", {"lr": 0.001, "batch_size": 16, "optimizer": "adam", "augment": True}, 0.875, 0.25, None),
    ("lr0.1_bs64", {"lr": 0.1, "batch_size": 64, "optimizer": "sgd", "augment": False}, 0.625, 0.75, 9),
]


def main():
    np.random.seed(SEED)
    shutil.rmtree(OUT, ignore_errors=True)
    os.makedirs(OUT)
    cwd = os.getcwd()
    os.chdir(OUT)  # writers only ever see relative paths
    try:
        for run, hparams, accuracy, loss, hp_step in RUNS:
            writer = SummaryWriter(logdir=run)
            for step in range(10):
                writer.add_scalar("train/loss", loss + (9 - step) * 0.125, step)
                if step % 3 == 0 and step > 0:
                    writer.add_scalar("val/accuracy", accuracy - (9 - step) / 3 * 0.0625, step)
            writer.add_hparams(hparams, {"hparam/accuracy": accuracy, "hparam/loss": loss},
                               global_step=hp_step)
            writer.close()
            time.sleep(0.05)
    finally:
        os.chdir(cwd)

    sessions = {run: sorted(d for d in os.listdir(os.path.join(OUT, run))
                            if os.path.isdir(os.path.join(OUT, run, d)))
                for run, *_ in RUNS}
    for run, subdirs in sessions.items():
        assert len(subdirs) == 1, (run, subdirs)
    example = f"{RUNS[0][0]}/{sessions[RUNS[0][0]][0]}"

    notes = [
        "Values are scripted (float32-exact): train/loss at steps 0..9 = final_loss + (9-step)*0.125; "
        "val/accuracy at steps 3,6,9 = final_acc - (9-step)/3*0.0625. Best run: lr0.01_bs32 "
        "(hparam/accuracy 0.9375); tie at 0.875 between lr0.1_bs16 and lr0.001_bs16 (hparam/loss 0.3125 vs 0.25).",
        "tensorboardX add_hparams opens a second SummaryWriter in <run>/<str(time.time())>/ (its default `name`) "
        f"and writes there, in one event file: _hparams_/experiment, _hparams_/session_start_info, "
        "_hparams_/session_end_info (each as a Summary value with metadata only, no tensor, step 0 / "
        "global_step), then one simple_value scalar per metric_dict key at global_step (None -> step 0). "
        f"So the hparams sessions are the timestamped subdirectories (e.g. '{example}'), NOT the run "
        "directories that hold train/loss and val/accuracy.",
        "Every session subdirectory carries its own _hparams_/experiment (hparam_infos with name+type only, "
        "no domain; metric_infos = metric_dict keys with group ''). The plugin uses the first run in "
        "multiplexer order (see plugin_run_order) that has one; here all four are identical.",
        "Encoding in SessionStartInfo.hparams: float/int -> number_value (batch_size 16 -> 16.0), "
        "str -> string_value, bool -> bool_value (tensorboardX checks str, then bool, then int/float). "
        "Experiment types: lr/batch_size DATA_TYPE_FLOAT64, optimizer DATA_TYPE_STRING, augment DATA_TYPE_BOOL.",
        "SessionStartInfo has no start_time_secs and no group_name, so each session is its own group named "
        "after the session (run) name; SessionEndInfo.status is always STATUS_SUCCESS (the API cannot write "
        "another status) and end_time_secs is 0.",
        "Metric values: metric name (group '', tag 'hparam/accuracy') -> run = session name itself; value = "
        "the last scalar the multiplexer holds for that run/tag (only one event: step 0, or step 9 for "
        "lr0.1_bs64 whose add_hparams got global_step=9). train/loss and val/accuracy are not metrics: the "
        "experiment summary exists, so metric_infos come from it, not from scanning scalar tags.",
        "Session groups are sorted by group name (plain string order); the tie does not change the order.",
    ]
    writer_name = f"tensorboardX {tensorboardX.__version__} (tensorboard {plugin_expected.TENSORBOARD_VERSION})"
    data = plugin_expected.expected(OUT, writer_name, notes)
    plugin_expected.write(os.path.join(OUT, "expected.json"), data)
    print(plugin_expected.summary(data))
    machine_paths.report(OUT)


if __name__ == "__main__":
    main()

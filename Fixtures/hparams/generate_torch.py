#!/usr/bin/env python3
"""Regenerates Fixtures/hparams/torch/ with the real torch.utils.tensorboard.SummaryWriter.

One logdir (the folder itself) with 3 runs. Each run logs `train/loss` at steps 0..9
and `val/accuracy` at steps 3, 6, 9, then calls
add_hparams(hparam_dict, metric_dict, run_name='.') so that the hparams writer's
event file lands in the run directory itself, next to the run's own event file.
hparams: lr (float), batch_size (int), optimizer (str), augment (bool).
  - adam_lr0.001 also passes hparam_domain_discrete for optimizer, batch_size, augment;
  - sgd_lr0.1 logs train/loss with add_scalar(..., new_style=True) (tensor scalars);
  - sgd_lr0.01 also logs `hparam/accuracy` itself with add_scalar at steps 3, 6, 9
    (the pitfall the torch docstring warns about) with values different from the
    metric_dict value, to show which one the plugin reports.
All values are scripted and float32-exact; the best run is adam_lr0.001.

Run (one process, a few seconds, any cwd):
  $TORCH_VENV/bin/python Fixtures/hparams/generate_torch.py
The venv has torch 2.13 CPU and tensorboard 2.21 (no TensorFlow needed).
"""
import os
import shutil
import sys
import time

sys.dont_write_bytecode = True  # leave no __pycache__ next to the fixtures
HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
sys.path.insert(0, os.path.join(os.path.dirname(HERE), "frameworks"))

import torch  # noqa: E402
from torch.utils.tensorboard import SummaryWriter  # noqa: E402
from tensorboard.plugins.hparams import backend_context  # noqa: E402
from tensorboard.plugins.hparams import metadata as hparams_metadata  # noqa: E402
from tensorboard.plugins.hparams import plugin_data_pb2  # noqa: E402

import machine_paths  # noqa: E402
import plugin_expected  # noqa: E402

OUT = os.path.join(HERE, "torch")
SEED = 20240611

# (run dir, hparam_dict, final val accuracy, final train loss)
RUNS = [
    ("adam_lr0.001", {"lr": 0.001, "batch_size": 32, "optimizer": "adam", "augment": True}, 0.9375, 0.125),
    ("sgd_lr0.1", {"lr": 0.1, "batch_size": 16, "optimizer": "sgd", "augment": False}, 0.75, 0.5),
    ("sgd_lr0.01", {"lr": 0.01, "batch_size": 64, "optimizer": "sgd", "augment": True}, 0.8125, 0.375),
]
DOMAIN_DISCRETE = {"optimizer": ["adam", "sgd"], "batch_size": [16, 32, 64], "augment": [True, False]}


def main():
    torch.manual_seed(SEED)
    shutil.rmtree(OUT, ignore_errors=True)
    os.makedirs(OUT)
    cwd = os.getcwd()
    os.chdir(OUT)  # writers only ever see relative paths
    try:
        for run, hparams, accuracy, loss in RUNS:
            writer = SummaryWriter(log_dir=run)
            for step in range(10):
                writer.add_scalar("train/loss", loss + (9 - step) * 0.125, step,
                                  new_style=(run == "sgd_lr0.1"))
                if step % 3 == 0 and step > 0:
                    writer.add_scalar("val/accuracy", accuracy - (9 - step) / 3 * 0.0625, step)
                    if run == "sgd_lr0.01":
                        writer.add_scalar("hparam/accuracy", 0.5 + step / 3 * 0.0625, step)
            writer.flush()
            writer.add_hparams(
                hparams, {"hparam/accuracy": accuracy, "hparam/loss": loss},
                hparam_domain_discrete=DOMAIN_DISCRETE if run == "adam_lr0.001" else None,
                run_name=".")
            writer.close()
            time.sleep(0.05)
    finally:
        os.chdir(cwd)

    for run, *_ in RUNS:
        files = sorted(os.listdir(os.path.join(OUT, run)))
        assert len(files) == 2 and all("tfevents" in f for f in files), (run, files)

    writer_name = f"torch.utils.tensorboard (torch {torch.__version__}, tensorboard {plugin_expected.TENSORBOARD_VERSION})"
    data = plugin_expected.expected(OUT, writer_name)

    # Which run's _hparams_/experiment did the plugin use?
    picked = []
    for run, entry in data["raw"].items():
        for item in entry["hparams_summaries"]:
            if item["tag"] == hparams_metadata.EXPERIMENT_TAG:
                exp = plugin_data_pb2.HParamsPluginData.FromString(bytes.fromhex(item["content_hex"])).experiment
                backend_context._sort_and_reduce_to_hparams_limit(exp)  # as the plugin does
                if plugin_expected.to_dict(exp) == data["experiment"]:
                    picked.append(run)
    first_with_experiment = [r for r in data["plugin_run_order"]
                             if any(i["tag"] == hparams_metadata.EXPERIMENT_TAG for i in data["raw"][r]["hparams_summaries"])][0]
    assert first_with_experiment in picked, (first_with_experiment, picked)

    data["notes"] = [
        "Values are scripted (float32-exact): train/loss at steps 0..9 = final_loss + (9-step)*0.125; "
        "val/accuracy at steps 3,6,9 = final_acc - (9-step)/3*0.0625. Best run: adam_lr0.001 (hparam/accuracy 0.9375).",
        "add_hparams(..., run_name='.') opens a second SummaryWriter on '<run>/.', i.e. the run directory itself: "
        "each run dir holds two event files, the training writer's (.0, .2, .4: file name counter) and the hparams "
        "writer's (the next counter). The hparams file holds _hparams_/experiment, _hparams_/session_start_info, "
        "_hparams_/session_end_info (metadata only, no tensor, step 0) and one simple_value scalar per metric_dict "
        "key at step 0 (global_step None). Session name = the run name (e.g. 'adam_lr0.001').",
        "torch encodes bool hparams as NUMBERS: torch checks isinstance(v, (int, float)) first and bool is an int, so "
        "augment=True -> number_value 1.0, augment=False -> 0.0, HParamInfo type DATA_TYPE_FLOAT64; the bool branch in "
        "torch's hparams() is unreachable. int batch_size -> number_value (32 -> 32.0), str -> string_value.",
        "hparam_domain_discrete (adam_lr0.001 only) becomes HParamInfo.domain_discrete: optimizer ['adam','sgd'], "
        "batch_size [16.0, 32.0, 64.0], augment [1.0, 0.0] (bools become numbers here too). The other runs' "
        "experiments have no domains. Each run carries its own _hparams_/experiment; the plugin takes the FIRST run "
        f"in multiplexer order that has one (plugin_run_order; here '{first_with_experiment}', whose experiment "
        f"equals the one reported; experiments equal to it: {picked}). That order is the filesystem walk order "
        "(os.listdir / gfile.walk, unsorted), so with differing experiments the reported domains depend on it.",
        "sgd_lr0.1 logged train/loss with new_style=True: a DT_FLOAT rank-0 tensor with plugin 'scalars' metadata "
        "instead of simple_value; it reads back identically.",
        "sgd_lr0.01 logged hparam/accuracy itself at steps 3,6,9 (0.5625, 0.625, 0.6875) in its training file, and "
        "add_hparams wrote hparam/accuracy=0.8125 at step 0 in the second file. The plugin reports the LAST value "
        "read (read_last_scalars = events[-1] of the run/tag reservoir, files read in name order) -> 0.8125 at "
        "training_step 0, not the value at the largest step (0.6875 at step 9).",
        "SessionStartInfo has no start_time_secs and no group_name: each session is its own group named after it; "
        "status always STATUS_SUCCESS, end_time_secs 0.",
        "Metrics are only the metric_dict keys (group ''), because an experiment summary exists; train/loss and "
        "val/accuracy are not metrics.",
    ]
    plugin_expected.write(os.path.join(OUT, "expected.json"), data)
    print(plugin_expected.summary(data))
    print("plugin_run_order:", data["plugin_run_order"])
    machine_paths.report(OUT)


if __name__ == "__main__":
    main()

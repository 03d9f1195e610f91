#!/usr/bin/env python3
"""Regenerates Fixtures/frameworks/orbax/<case>/ with the real orbax-checkpoint.

Each case folder is a workdir ("model_dir": "."):
  eval/events.out.tfevents.*   tensorboardX.SummaryWriter("eval"), tags "loss" and
                               "accuracy" (simple_value float32), one event per tag per step
  checkpoints/<step>/          ocp.CheckpointManager(<abs path of checkpoints>,
                               options=CheckpointManagerOptions(max_to_keep=2, best_fn=...,
                               best_mode=...)), a tiny pytree saved with metrics= each step.
Orbax's own choice of best is CheckpointManager.best_step(): recorded from the training
process (in memory) and from a fresh read-only CheckpointManager over the directory.

The `uncommitted` case crashes for real: the training process is killed (os._exit) inside
Orbax's own AtomicRenameTemporaryPath.finalize() for the last step, i.e. after every byte
of the step was written into the temporary directory and before Orbax writes
commit_success.txt / the commit timestamp and renames the directory. What is left on disk
is exactly what Orbax leaves when the process dies at that instant.

Run (one process at a time, CPU only, a few seconds):
  $JAX_VENV/bin/python Fixtures/frameworks/generate_orbax.py
The venv: python3.11 -m venv $JAX_VENV &&
  $JAX_VENV/bin/pip install "jax[cpu]" orbax-checkpoint tensorboardX tensorboard
"""
import json
import os
import shutil
import subprocess
import sys

import machine_paths  # beside this script

os.environ.setdefault("JAX_PLATFORMS", "cpu")
os.environ.setdefault("XLA_FLAGS", "--xla_cpu_multi_thread_eigen=false intra_op_parallelism_threads=1")

HERE = os.path.dirname(os.path.abspath(__file__))
OUT = os.path.join(HERE, "orbax")

# Scripted, float32-exact metric values (the same float is given to the event file and to
# Orbax, so both see identical numbers).
LOSS_STEPS = [10, 20, 30, 40, 50, 60]
LOSSES = [0.90, 0.62, 0.41, 0.47, 0.44, 0.49]   # decreasing then noisy; best at 30
ACC_FOR_LOSS = [0.40, 0.61, 0.78, 0.74, 0.77, 0.73]
TIE_ACCS = [0.50, 0.72, 0.81, 0.77, 0.81, 0.79]  # best 0.81 at 30 AND 50
TIE_LOSSES = [0.80, 0.55, 0.43, 0.48, 0.43, 0.45]
CRASH_STEP = 70
CRASH_LOSS = 0.37                                # best of all, but never committed
CRASH_ACC = 0.83

CASES = {
    "loss": dict(metric="loss", mode="min", steps=LOSS_STEPS,
                 losses=LOSSES, accs=ACC_FOR_LOSS, crash_step=None),
    "accuracy_tie": dict(metric="accuracy", mode="max", steps=LOSS_STEPS,
                         losses=TIE_LOSSES, accs=TIE_ACCS, crash_step=None),
    "uncommitted": dict(metric="loss", mode="min", steps=LOSS_STEPS + [CRASH_STEP],
                        losses=LOSSES + [CRASH_LOSS], accs=ACC_FOR_LOSS + [CRASH_ACC],
                        crash_step=CRASH_STEP),
}


def f32(x):
    import numpy as np
    return float(np.float32(x))


def tree_listing(root):
    out = []
    for d, dirs, files in os.walk(root):
        dirs.sort()
        rel = os.path.relpath(d, root)
        if rel != ".":
            out.append(rel + "/")
        for f in sorted(files):
            out.append(os.path.normpath(os.path.join(rel, f)))
    return sorted(out)


# ----------------------------------------------------------------------------- training
def train(case_name):
    """Runs in a child process with cwd = the case folder."""
    import numpy as np
    import jax.numpy as jnp
    import orbax.checkpoint as ocp
    from orbax.checkpoint._src.path import atomicity
    from tensorboardX import SummaryWriter

    cfg = CASES[case_name]
    metric, mode = cfg["metric"], cfg["mode"]
    log = {"finalize_calls": [], "best_step_after_each_save": []}

    real_finalize = atomicity.AtomicRenameTemporaryPath.finalize

    async def finalize_hook(self):
        tmp, final = self.get(), self.get_final()
        entry = {"tmp": os.path.relpath(str(tmp)), "final": os.path.relpath(str(final)),
                 "tmp_tree_before_finalize": tree_listing(str(tmp))}
        log["finalize_calls"].append(entry)
        if cfg["crash_step"] is not None and os.path.basename(str(final)) == str(cfg["crash_step"]):
            # What the live manager believed at the instant of the crash.
            log["at_crash"] = {"in_memory_best_step": manager.best_step(),
                               "in_memory_all_steps": manager.all_steps(),
                               "listing": sorted(os.listdir("checkpoints"))}
            with open("../_orbax_train_log.json", "w") as fh:
                json.dump(log, fh, indent=1)
            os._exit(17)  # the crash: nothing after this point runs
        await real_finalize(self)
        entry["final_tree_after_finalize"] = tree_listing(str(final))

    atomicity.AtomicRenameTemporaryPath.finalize = finalize_hook

    options = ocp.CheckpointManagerOptions(
        max_to_keep=2,
        best_fn=(lambda m: m["loss"]) if metric == "loss" else (lambda m: m["accuracy"]),
        best_mode=mode,
    )
    manager = ocp.CheckpointManager(os.path.abspath("checkpoints"), options=options)
    writer = SummaryWriter("eval")
    rng = np.random.default_rng(0)
    w0 = rng.normal(size=(4,)).astype("float32")
    for i, step in enumerate(cfg["steps"]):
        loss, acc = f32(cfg["losses"][i]), f32(cfg["accs"][i])
        writer.add_scalar("loss", loss, step)
        writer.add_scalar("accuracy", acc, step)
        writer.flush()
        if step == cfg["crash_step"]:
            # tensorboardX's flush() does not drain its async queue; close() does. Without
            # this the step-70 events would be lost in the crash.
            writer.close()
        state = {"params": {"w": jnp.asarray(w0 * (1.0 + step / 100.0)),
                            "b": jnp.asarray(np.float32(step / 1000.0))},
                 "step": jnp.asarray(step, dtype=jnp.int32)}
        manager.save(step, args=ocp.args.StandardSave(state),
                     metrics={"loss": loss, "accuracy": acc})
        manager.wait_until_finished()
        log["best_step_after_each_save"].append(
            {"step": step, "best_step": manager.best_step(), "all_steps": manager.all_steps(),
             "listing": sorted(os.listdir("checkpoints"))})
    manager.wait_until_finished()
    log["in_memory_best_step"] = manager.best_step()
    manager.close()
    writer.close()
    with open("../_orbax_train_log.json", "w") as fh:
        json.dump(log, fh, indent=1)


# ----------------------------------------------------------------------------- checking
def read_eval(path):
    from tensorboard.backend.event_processing import event_file_loader
    from tensorboard.util import tensor_util
    out, per_event = {}, []
    for ev in event_file_loader.EventFileLoader(path).Load():
        if ev.HasField("summary"):
            per_event.append(len(ev.summary.value))
        for v in ev.summary.value:
            arr = tensor_util.make_ndarray(v.tensor)
            out.setdefault(v.tag, []).append(
                {"step": ev.step, "value": float(arr.item()), "wall_time": ev.wall_time,
                 "dtype": arr.dtype.name})
    return out, per_event


def raw_kinds(path):
    from tensorboard.backend.event_processing import event_file_loader
    from tensorboard.compat.proto import event_pb2
    res = []
    for rec in event_file_loader.RawEventFileLoader(path).Load():
        ev = event_pb2.Event.FromString(rec)
        k = ev.WhichOneof("what")
        item = {"step": ev.step, "kind": k}
        if k == "summary":
            item["values"] = [[v.tag, v.WhichOneof("value")] for v in ev.summary.value]
        res.append(item)
    return res


def check(case_name):
    import orbax.checkpoint as ocp
    from orbax.checkpoint._src.path import step as step_lib
    from orbax.checkpoint._src.path import temporary_paths
    import asyncio
    import tensorboardX
    import tensorboard
    from tensorboard.backend.event_processing import event_accumulator

    cfg = CASES[case_name]
    metric, mode = cfg["metric"], cfg["mode"]
    with open(os.path.join(OUT, "_orbax_train_log.json")) as fh:
        log = json.load(fh)
    os.remove(os.path.join(OUT, "_orbax_train_log.json"))

    eval_files = sorted(os.path.join("eval", f) for f in os.listdir("eval"))
    evaluations, details = [], {}
    for f in eval_files:
        sc, per_event = read_eval(f)
        details[f] = {"values_per_summary_event": per_event, "raw": raw_kinds(f),
                      "scalars": {t: [[p["step"], p["value"], p["dtype"]] for p in pts]
                                  for t, pts in sc.items()}}
        evaluations += [{"step": p["step"], "value": p["value"], "wall_time": p["wall_time"]}
                        for p in sc[metric]]
    acc = event_accumulator.EventAccumulator("eval", size_guidance={"scalars": 0})
    acc.Reload()
    acc_pts = [[s.step, s.wall_time, float(s.value)] for s in acc.Scalars(metric)]
    assert acc_pts == [[e["step"], e["wall_time"], e["value"]] for e in evaluations]

    # A fresh, read-only manager = what a restarted job / Orbax itself considers best now.
    options = ocp.CheckpointManagerOptions(
        best_fn=(lambda m: m["loss"]) if metric == "loss" else (lambda m: m["accuracy"]),
        best_mode=mode, read_only=True)
    fresh = ocp.CheckpointManager(os.path.abspath("checkpoints"), options=options)
    fresh_best = fresh.best_step()
    fresh_steps = fresh.all_steps()
    fresh_metrics = {s: fresh.metrics(s) for s in fresh_steps}
    fresh.close()
    other_mode_tie = None
    if case_name == "accuracy_tie":
        # The same directory judged by loss / min (losses tie at 30 and 50 too).
        o = ocp.CheckpointManager(os.path.abspath("checkpoints"), options=ocp.CheckpointManagerOptions(
            best_fn=lambda m: m["loss"], best_mode="min", read_only=True))
        other_mode_tie = {"best_fn": "lambda m: m['loss']", "best_mode": "min",
                          "best_step": o.best_step(),
                          "losses": {str(s): o.metrics(s)["loss"] for s in o.all_steps()}}
        o.close()
    in_memory_best = log.get("in_memory_best_step")
    if in_memory_best is not None:
        assert in_memory_best == fresh_best, (in_memory_best, fresh_best)

    entries = sorted(os.listdir("checkpoints"))
    classification = {}
    for name in entries:
        p = os.path.abspath(os.path.join("checkpoints", name))
        classification[name] = {
            "is_path_temporary": asyncio.run(temporary_paths.is_path_temporary(p)),
            "is_path_finalized": asyncio.run(temporary_paths.is_path_finalized(p)),
            "has_commit_success_txt": os.path.exists(os.path.join(p, "commit_success.txt")),
        }
        md = os.path.join(p, "_CHECKPOINT_METADATA")
        if os.path.exists(md):
            with open(md) as fh:
                m = json.load(fh)
            classification[name]["_CHECKPOINT_METADATA_keys"] = sorted(m)
            classification[name]["commit_timestamp_nsecs_present"] = m.get("commit_timestamp_nsecs") is not None
    committed_dirs = sorted(("checkpoints/" + os.path.basename(str(p)) for p in
                             step_lib.checkpoint_steps_paths("checkpoints")),
                            key=lambda s: int(s.split("/")[1]))

    best_value = [e["value"] for e in evaluations if e["step"] == fresh_best]
    assert len(best_value) == 1
    assert fresh_metrics[fresh_best][metric] == best_value[0]
    vals = [e["value"] for e in evaluations]
    extreme = min(vals) if mode == "min" else max(vals)
    steps_at_extreme = [e["step"] for e in evaluations if e["value"] == extreme]
    if cfg["crash_step"] is not None:
        assert steps_at_extreme == [cfg["crash_step"]], steps_at_extreme
        assert fresh_best != cfg["crash_step"]

    # Absolute paths written by Orbax (reported here; main() then makes them relative).
    abs_hits = machine_paths.files_naming_machine_paths(".")

    notes = [
        f"Tag '{metric}' in eval/ (tensorboardX add_scalar, simple_value float32; the event "
        "step IS the Orbax step, so checkpoints/<step> is the directory of an evaluation at "
        "that step). Orbax best = CheckpointManager.best_step() (sorted(checkpoints, "
        f"key=best_fn, reverse=(best_mode=='min'))[-1]; Python's sort is stable and the "
        "checkpoints are in ascending step order, so among tied metric values the LATEST "
        "step wins, in both modes). BestN(max_to_keep=2) keeps the 2 best (ties: also the "
        "later ones). Committed on local disk = directory named '<step>' (renamed from "
        "'<step>.orbax-checkpoint-tmp' after commit_success.txt was written inside it and "
        "commit_timestamp_nsecs was added to _CHECKPOINT_METADATA). In progress = a name "
        "containing '.orbax-checkpoint-tmp'. On GCS (CommitFileTemporaryPath) the directory "
        "is written under its final name and committed = contains commit_success.txt.",
        f"Steps holding the extreme logged value: {steps_at_extreme}.",
    ]
    if cfg["crash_step"] is not None:
        notes.append(
            f"Unfinished checkpoint: the training process was killed (os._exit) inside "
            f"Orbax's AtomicRenameTemporaryPath.finalize() for step {cfg['crash_step']}, "
            "after Orbax had written every file of the step into "
            f"'checkpoints/{cfg['crash_step']}.orbax-checkpoint-tmp' and before it wrote "
            "commit_success.txt, added commit_timestamp_nsecs to _CHECKPOINT_METADATA and "
            f"renamed the directory. The eval events for step {cfg['crash_step']} (the best "
            "logged value) had already been written: the SummaryWriter was closed before "
            "that save (tensorboardX's flush() alone does not drain its async queue). Orbax ignores the tmp directory "
            "(a fresh CheckpointManager lists only committed steps); a tool must skip it and "
            "name the best COMMITTED checkpoint.")
    if abs_hits:
        notes.append("Files in which Orbax wrote absolute machine paths (commit_success.txt says "
                     "'Checkpoint commit was successful to <abs path>'; the generator then makes "
                     "that text relative to the case folder): " + ", ".join(sorted(abs_hits)) + ".")

    import orbax.checkpoint
    import jax
    expected = {
        "framework": f"orbax-checkpoint {orbax.checkpoint.__version__} (jax {jax.__version__}, "
                     f"tensorboardX {tensorboardX.__version__})",
        "model_dir": ".",
        "event_files": eval_files,
        "metric_tag": metric,
        "mode": mode,
        "evaluations": evaluations,
        "checkpoints_on_disk": ["checkpoints/" + e for e in entries],
        "framework_best_checkpoint": f"checkpoints/{fresh_best}",
        "framework_best_step": fresh_best,
        "framework_best_metric": best_value[0],
        "notes": " ".join(notes),
        # Extra detail beyond the common schema:
        "committed_checkpoints": committed_dirs,
        "framework_log": {
            "orbax_checkpoint_version": orbax.checkpoint.__version__,
            "jax_version": jax.__version__,
            "tensorboardX_version": tensorboardX.__version__,
            "tensorboard_version_used_to_read": tensorboard.__version__,
            "checkpoint_manager_options": {"max_to_keep": 2, "best_fn": f"lambda m: m[{metric!r}]",
                                           "best_mode": mode, "enable_async_checkpointing": True},
            "in_memory_best_step": in_memory_best,
            "fresh_read_only_manager": {"best_step": fresh_best, "all_steps": fresh_steps,
                                        "metrics": {str(k): v for k, v in fresh_metrics.items()}},
            "best_step_after_each_save": log["best_step_after_each_save"],
            "finalize_calls": log["finalize_calls"],
            "checkpoint_dir_classification": classification,
            "crashed_at_step": cfg["crash_step"],
            "at_crash": log.get("at_crash"),
            "min_mode_tie_check_same_dir": other_mode_tie,
            "files_with_absolute_paths": sorted(abs_hits),
        },
        "file_tree": tree_listing("."),
        "event_file_details": details,
    }
    with open("expected.json", "w") as fh:
        json.dump(expected, fh, indent=1)
        fh.write("\n")
    print(case_name, "best", fresh_best, best_value[0], "on disk", entries, file=sys.stderr)


def main():
    if len(sys.argv) == 3 and sys.argv[1] == "--train":
        os.chdir(os.path.join(OUT, sys.argv[2]))
        train(sys.argv[2])
        return
    cases = sys.argv[1:] or list(CASES)
    for name in cases:
        case_dir = os.path.join(OUT, name)
        shutil.rmtree(case_dir, ignore_errors=True)
        os.makedirs(case_dir)
        rc = subprocess.run([sys.executable, os.path.abspath(__file__), "--train", name]).returncode
        want = 17 if CASES[name]["crash_step"] is not None else 0
        assert rc == want, (name, rc)
        cwd = os.getcwd()
        os.chdir(case_dir)
        try:
            check(name)
        finally:
            os.chdir(cwd)
        # Orbax writes the absolute step path into every commit_success.txt;
        # Orbax looks at the file's presence only, so its text becomes relative.
        machine_paths.scrub(case_dir, {"commit_success.txt", "expected.json"})


if __name__ == "__main__":
    main()

#!/usr/bin/env python3
"""Generate Hugging Face Trainer fixtures for swift-tfevents.

Every case folder under ``Fixtures/frameworks/huggingface/`` is a real
``transformers.Trainer`` output_dir: the Trainer writes its own TensorBoard
events (through its TensorBoardCallback), its own checkpoints, rotates them
with ``save_total_limit`` and records the checkpoint *it* considers best in
``trainer_state.json`` (``best_model_checkpoint``).  Next to that we write an
``expected.json`` describing what our Swift tool must find from the event
files and the directory listing alone.

Run from any directory (takes a few seconds per case on one CPU core):

    $TORCH_VENV/bin/python Fixtures/frameworks/generate_huggingface.py

The script deletes and regenerates ``huggingface/`` from scratch.  Training is
deterministic (fixed seeds, one thread); only wall times and event file names
(timestamp, host name, pid) change between runs.
"""

from __future__ import annotations

import json
import os
import random
import shutil
import sys

import machine_paths  # beside this script
from pathlib import Path

# Keep the machine quiet: one CPU thread, no tokenizer parallelism, no telemetry.
os.environ.setdefault("OMP_NUM_THREADS", "1")
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("HF_HUB_DISABLE_TELEMETRY", "1")

import numpy as np  # noqa: E402
import torch  # noqa: E402
import transformers  # noqa: E402
from tensorboard.backend.event_processing.event_accumulator import EventAccumulator  # noqa: E402
from transformers import (  # noqa: E402
    BertConfig,
    BertForSequenceClassification,
    Trainer,
    TrainingArguments,
    set_seed,
)

HERE = Path(__file__).resolve().parent
OUT_ROOT = HERE / "huggingface"

SEED = 1234
SEQ_LEN = 8
VOCAB = 50
EVAL_STEPS = 5           # eval_steps == save_steps
MAX_STEPS = 35           # -> 7 evaluations / saves at steps 5, 10, ..., 35
LOGGING_STEPS = 5        # train/* scalars at the same steps as eval/*
LOGGING_DIR = "runs/run1"  # relative to output_dir (HF's default is runs/<date>_<host>)

# Scripted accuracy for the `accuracy_tie` case, indexed by evaluation number.
# 0.75 is reached twice (2nd and 4th evaluation = steps 10 and 20).
SCRIPTED_ACCURACY = [0.5, 0.75, 0.6, 0.75, 0.7, 0.65, 0.6]

CASES = {
    # metric_for_best_model="loss": greater_is_better defaults to False.
    "loss": dict(metric_for_best_model="loss", greater_is_better=False, scripted=False),
    # Scripted accuracy with a tie at the best value.
    "accuracy_tie": dict(metric_for_best_model="accuracy", greater_is_better=True, scripted=True),
}

# Files we would drop from each checkpoint for size. The model is so small that a
# whole case is ~130 kB, so nothing is dropped: every file the Trainer writes is
# kept (config.json, model.safetensors, optimizer.pt, scheduler.pt,
# rng_state.pth, trainer_state.json, training_args.bin). training_args.bin is
# still removed below if it ever contains an absolute machine path.
DROP_FROM_CHECKPOINTS: tuple[str, ...] = ()



class TinyDataset(torch.utils.data.Dataset):
    """Random token sequences; label = a simple learnable rule plus some noise."""

    def __init__(self, n: int, seed: int, noise: float):
        g = torch.Generator().manual_seed(seed)
        self.input_ids = torch.randint(1, VOCAB, (n, SEQ_LEN), generator=g)
        labels = (self.input_ids[:, 0] < VOCAB // 2).long()
        flip = torch.rand(n, generator=g) < noise
        self.labels = torch.where(flip, 1 - labels, labels)

    def __len__(self) -> int:
        return len(self.labels)

    def __getitem__(self, i: int) -> dict:
        return {
            "input_ids": self.input_ids[i],
            "attention_mask": torch.ones(SEQ_LEN, dtype=torch.long),
            "labels": self.labels[i],
        }


def tiny_model() -> BertForSequenceClassification:
    config = BertConfig(
        vocab_size=VOCAB,
        hidden_size=8,
        num_hidden_layers=1,
        num_attention_heads=2,
        intermediate_size=16,
        max_position_embeddings=SEQ_LEN,
        type_vocab_size=1,
        num_labels=2,
    )
    return BertForSequenceClassification(config)


def make_scripted_metrics():
    """compute_metrics that ignores predictions and returns the next scripted accuracy."""
    calls = {"n": 0}

    def compute_metrics(_eval_pred):
        value = SCRIPTED_ACCURACY[calls["n"]]
        calls["n"] += 1
        return {"accuracy": value}

    return compute_metrics


def seed_everything(seed: int) -> None:
    random.seed(seed)
    np.random.seed(seed)
    torch.manual_seed(seed)
    set_seed(seed)


def read_scalars(event_file: Path, tag: str) -> list[dict]:
    """Every event of `tag`, as stored (float32 widened to a Python float)."""
    acc = EventAccumulator(str(event_file), size_guidance={"scalars": 0, "tensors": 0})
    acc.Reload()
    if tag in acc.Tags().get("scalars", []):
        events = acc.Scalars(tag)
        return [{"step": e.step, "value": float(e.value), "wall_time": e.wall_time} for e in events]
    # torch's SummaryWriter writes simple_value scalars; tensors are a fallback.
    events = acc.Tensors(tag)
    return [
        {"step": e.step, "value": float(np.float32(e.tensor_proto.float_val[0])), "wall_time": e.wall_time}
        for e in events
    ]


def all_tags(event_file: Path) -> dict:
    acc = EventAccumulator(str(event_file), size_guidance={"scalars": 0, "tensors": 0})
    acc.Reload()
    return {k: sorted(v) for k, v in acc.Tags().items() if isinstance(v, list) and v}


def run_case(case: str, spec: dict) -> None:
    case_dir = OUT_ROOT / case
    # All paths handed to the Trainer are relative to OUT_ROOT, so nothing the
    # Trainer writes (trainer_state.json, args text in the events) contains
    # an absolute machine path.
    os.chdir(OUT_ROOT)
    # transformers 5.x removed TrainingArguments.logging_dir; the TensorBoard
    # callback reads TENSORBOARD_LOGGING_DIR instead (at Trainer construction).
    os.environ["TENSORBOARD_LOGGING_DIR"] = f"{case}/{LOGGING_DIR}"

    seed_everything(SEED)
    model = tiny_model()
    train_ds = TinyDataset(32, seed=1, noise=0.0)
    # Eval labels are noisier than train labels so the eval loss is not monotonic.
    eval_ds = TinyDataset(16, seed=2, noise=0.3)

    args = TrainingArguments(
        output_dir=case,
        report_to=["tensorboard"],
        eval_strategy="steps",
        save_strategy="steps",
        eval_steps=EVAL_STEPS,
        save_steps=EVAL_STEPS,
        logging_strategy="steps",
        logging_steps=LOGGING_STEPS,
        max_steps=MAX_STEPS,
        per_device_train_batch_size=4,
        per_device_eval_batch_size=16,
        learning_rate=1e-2,  # eval loss dips then rises: best is in the middle (step 20)
        warmup_steps=0,
        lr_scheduler_type="constant",
        load_best_model_at_end=True,
        metric_for_best_model=spec["metric_for_best_model"],
        greater_is_better=spec["greater_is_better"],
        save_total_limit=2,
        seed=SEED,
        data_seed=SEED,
        use_cpu=True,
        dataloader_num_workers=0,
        disable_tqdm=True,
    )
    trainer = Trainer(
        model=model,
        args=args,
        train_dataset=train_ds,
        eval_dataset=eval_ds,
        compute_metrics=make_scripted_metrics() if spec["scripted"] else None,
    )
    trainer.train()
    state = trainer.state
    del trainer

    # ---- shrink (currently a no-op, see DROP_FROM_CHECKPOINTS)
    deleted = []
    checkpoints = sorted(
        (p for p in case_dir.glob("checkpoint-*") if p.is_dir()),
        key=lambda p: int(p.name.split("-")[1]),
    )
    for ckpt in checkpoints:
        for name in DROP_FROM_CHECKPOINTS:
            f = ckpt / name
            if f.exists():
                f.unlink()
                deleted.append(f"{ckpt.name}/{name}")
    # training_args.bin is a pickled TrainingArguments; drop it if it leaks a path.
    for ckpt in checkpoints:
        f = ckpt / "training_args.bin"
        if f.exists() and any(m in f.read_bytes() for m in machine_paths.markers()):
            f.unlink()
            deleted.append(f"{ckpt.name}/training_args.bin (contained a machine path)")

    # ---- expected.json
    model_dir = case_dir  # the Trainer's output_dir
    event_files = sorted(model_dir.glob(f"{LOGGING_DIR}/events.out.tfevents.*"))
    assert len(event_files) == 1, event_files
    metric_tag = f"eval/{spec['metric_for_best_model']}"
    evaluations = read_scalars(event_files[0], metric_tag)

    best = state.best_model_checkpoint  # e.g. "loss/checkpoint-10" (relative to OUT_ROOT)
    assert best is not None and best.startswith(case + os.sep), best
    best_rel = os.path.relpath(best, case)

    best_step = int(best_rel.split("-")[1])
    best_event = [e["value"] for e in evaluations if e["step"] == best_step]
    best_event_equal = bool(best_event) and best_event[0] == state.best_metric
    tied = [e["step"] for e in evaluations if e["value"] == max(x["value"] for x in evaluations)] \
        if spec["greater_is_better"] else \
        [e["step"] for e in evaluations if e["value"] == min(x["value"] for x in evaluations)]
    notes = (
        f"Checkpoint folder checkpoint-N is written right after the evaluation at global_step N; the "
        f"{metric_tag} event is logged with step N (state.global_step), so name step == event step. "
        f"eval_steps == save_steps == {EVAL_STEPS}, max_steps {MAX_STEPS}. HF compares with a strict "
        f"{'np.greater' if spec['greater_is_better'] else 'np.less'} against the running best, so on a tie the "
        f"FIRST (earliest) checkpoint with the best value is kept. Steps at the best value: {tied}; "
        f"HF chose step {best_step}. save_total_limit=2 keeps the best and the most recent checkpoint; "
        f"older ones are deleted by HF's rotation. Deleted by the generator for size: "
        f"{', '.join(deleted) if deleted else 'nothing'}. trainer_state.json best_metric is the Python "
        f"float HF compared; the event stores it as float32 "
        f"({'identical here' if best_event_equal else 'so they differ in the last digits'}). "
        f"trainer_state.json best_model_checkpoint is '{best}' (relative to the cwd of the training "
        f"process, i.e. prefixed by output_dir), stripped here to be relative to model_dir. "
        f"Besides {metric_tag} the events hold eval/runtime, eval/samples_per_second, eval/steps_per_second, "
        f"train/loss, train/grad_norm, train/learning_rate every {LOGGING_STEPS} steps, train/epoch logged "
        f"twice per eval step (once with the train log, once with the eval log) and a third time at the last "
        f"step with the train_* summary scalars, plus text summaries 'args' and 'model_config' at step 0. "
        f"All tags are in one event file."
    )
    expected = {
        "framework": f"transformers {transformers.__version__}",
        "torch": torch.__version__,
        "model_dir": ".",
        "event_files": [str(p.relative_to(model_dir)) for p in event_files],
        "metric_tag": metric_tag,
        "mode": "max" if spec["greater_is_better"] else "min",
        "evaluations": evaluations,
        "checkpoints_on_disk": [p.name for p in checkpoints],
        "framework_best_checkpoint": best_rel,
        "framework_best_metric": state.best_metric,
        "framework_best_global_step": state.best_global_step,
        "other_tags": all_tags(event_files[0]),
        "notes": notes,
    }
    if spec["scripted"]:
        expected["scripted_values"] = SCRIPTED_ACCURACY
    (case_dir / "expected.json").write_text(json.dumps(expected, indent=2) + "\n")
    print(f"[{case}] best={best_rel} metric={state.best_metric} on_disk={[p.name for p in checkpoints]}")


def main() -> int:
    torch.set_num_threads(1)
    shutil.rmtree(OUT_ROOT, ignore_errors=True)
    OUT_ROOT.mkdir(parents=True)
    cwd = os.getcwd()
    try:
        for case, spec in CASES.items():
            run_case(case, spec)
    finally:
        os.chdir(cwd)
    machine_paths.report(OUT_ROOT)
    return 0


if __name__ == "__main__":
    sys.exit(main())

#!/usr/bin/env python3
"""Generate PyTorch Lightning fixtures for swift-tfevents.

Every case folder under ``Fixtures/frameworks/lightning/`` holds the
``lightning_logs/version_0/`` tree exactly as Lightning writes it with
``TensorBoardLogger(save_dir=".", name="lightning_logs")`` run from inside the
case folder: the TensorBoard event file, ``hparams.yaml`` and the
``checkpoints/`` that Lightning's own ``ModelCheckpoint`` kept (top-k rotation
included).  ``ModelCheckpoint.best_model_path`` is the checkpoint Lightning
considers best; ``expected.json`` records it next to every logged event of the
monitored metric, so our Swift tool can be checked against it using only the
event files and the directory listing.

Run from any directory (a few seconds per case on one CPU core):

    $TORCH_VENV/bin/python Fixtures/frameworks/generate_lightning.py

The script deletes and regenerates ``lightning/`` from scratch.  Training is
deterministic (fixed seeds, one thread); only wall times and the event file
name (timestamp, host name, pid) change between runs.
"""

from __future__ import annotations

import json
import logging
import os
import shutil
import sys

import machine_paths  # beside this script
import time
import warnings
from pathlib import Path

os.environ.setdefault("OMP_NUM_THREADS", "1")

import lightning  # noqa: E402
import lightning as L  # noqa: E402
import numpy as np  # noqa: E402
import torch  # noqa: E402
from lightning.pytorch.callbacks import ModelCheckpoint  # noqa: E402
from lightning.pytorch.loggers import TensorBoardLogger  # noqa: E402
from tensorboard.backend.event_processing.event_accumulator import EventAccumulator  # noqa: E402
from torch import nn  # noqa: E402
from torch.utils.data import DataLoader, TensorDataset  # noqa: E402

HERE = Path(__file__).resolve().parent
OUT_ROOT = HERE / "lightning"
MODEL_DIR = "lightning_logs/version_0"  # relative to a case folder

SEED = 1234
N_FEATURES = 4
N_TRAIN = 32
BATCH = 8  # -> 4 training batches (optimizer steps) per epoch
N_VAL = 16

# Scripted val_acc for `metric_name_tie`, indexed by validation run (one per epoch).
# 0.75 is reached at epoch 1 and again at epoch 3.
SCRIPTED_VAL_ACC = [0.5, 0.75, 0.6, 0.75, 0.7, 0.65]



def make_data() -> tuple[TensorDataset, TensorDataset]:
    """Linear regression; the validation targets follow slightly different
    weights, so the validation loss first falls and then rises."""
    g = torch.Generator().manual_seed(SEED)
    w_train = torch.tensor([1.0, -2.0, 0.5, 1.5])
    w_val = torch.tensor([0.6, -1.2, 0.2, 0.9])
    x_tr = torch.randn(N_TRAIN, N_FEATURES, generator=g)
    y_tr = x_tr @ w_train + 0.1 * torch.randn(N_TRAIN, generator=g)
    x_va = torch.randn(N_VAL, N_FEATURES, generator=g)
    y_va = x_va @ w_val + 0.1 * torch.randn(N_VAL, generator=g)
    return TensorDataset(x_tr, y_tr.unsqueeze(1)), TensorDataset(x_va, y_va.unsqueeze(1))


class TinyRegressor(L.LightningModule):
    """One Linear layer. Logs train_loss per step, val_loss per validation run
    and, if `scripted_val_acc` is given, the next scripted value as val_acc."""

    def __init__(self, lr: float = 0.05, scripted_val_acc: list[float] | None = None):
        super().__init__()
        self.save_hyperparameters()  # -> hparams.yaml
        self.layer = nn.Linear(N_FEATURES, 1)
        self._val_runs = 0

    def forward(self, x):
        return self.layer(x)

    def training_step(self, batch, batch_idx):
        x, y = batch
        loss = nn.functional.mse_loss(self(x), y)
        self.log("train_loss", loss, on_step=True, on_epoch=False)
        return loss

    def validation_step(self, batch, batch_idx):
        x, y = batch
        loss = nn.functional.mse_loss(self(x), y)
        # In validation self.log defaults to on_step=False, on_epoch=True.
        self.log("val_loss", loss)

    def on_validation_epoch_end(self):
        if self.hparams.scripted_val_acc is not None and not self.trainer.sanity_checking:
            self.log("val_acc", float(self.hparams.scripted_val_acc[self._val_runs]))
            self._val_runs += 1

    def configure_optimizers(self):
        return torch.optim.SGD(self.parameters(), lr=self.hparams.lr)


CASES = {
    # Checkpoint after every validation (= every epoch), keep the 2 lowest
    # val_loss plus last.ckpt. Default filename "epoch={epoch}-step={step}".
    "default": dict(
        max_epochs=6,
        lr=0.02,  # val_loss falls until epoch 3, then rises
        trainer_kwargs=dict(),
        scripted=False,
        checkpoint=dict(monitor="val_loss", mode="min", save_top_k=2, save_last=True),
    ),
    # Scripted val_acc with a tie at the best value, metric in the file name.
    "metric_name_tie": dict(
        max_epochs=6,
        lr=0.02,
        trainer_kwargs=dict(),
        scripted=True,
        checkpoint=dict(monitor="val_acc", mode="max", save_top_k=3, filename="{epoch}-{step}-{val_acc:.3f}"),
    ),
    # Step-triggered checkpoints (every 3 optimizer steps) while validation runs
    # every 2 training batches: checkpoints and validations are out of phase.
    "every_n_steps": dict(
        max_epochs=3,
        lr=0.05,  # the lowest val_loss is logged between two saves and is never checkpointed
        trainer_kwargs=dict(val_check_interval=2),
        scripted=False,
        checkpoint=dict(monitor="val_loss", mode="min", save_top_k=2, every_n_train_steps=3, save_last=True),
    ),
}


def read_scalars(event_file: Path, tag: str) -> list[dict]:
    """Every event of `tag`, as stored (float32 widened to a Python float)."""
    acc = EventAccumulator(str(event_file), size_guidance={"scalars": 0, "tensors": 0})
    acc.Reload()
    if tag in acc.Tags().get("scalars", []):
        return [{"step": e.step, "value": float(e.value), "wall_time": e.wall_time} for e in acc.Scalars(tag)]
    return [
        {"step": e.step, "value": float(np.float32(e.tensor_proto.float_val[0])), "wall_time": e.wall_time}
        for e in acc.Tensors(tag)
    ]


def all_tags(event_file: Path) -> dict:
    acc = EventAccumulator(str(event_file), size_guidance={"scalars": 0, "tensors": 0})
    acc.Reload()
    return {k: sorted(v) for k, v in acc.Tags().items() if isinstance(v, list) and v}


def record_saves(trainer: L.Trainer, monitor: str, saves: list[dict]) -> None:
    """Wrap trainer.save_checkpoint (which ModelCheckpoint calls for every file it
    writes, top-k and last alike) to record the file, the global step, the epoch
    and the monitored value Lightning had at that moment. Only for expected.json;
    it does not change what is saved."""
    original = trainer.save_checkpoint

    def save_checkpoint(filepath, weights_only=False, storage_options=None):
        value = trainer.callback_metrics.get(monitor)
        saves.append(
            {
                "file": os.path.relpath(filepath, MODEL_DIR),
                "global_step": trainer.global_step,
                "epoch": trainer.current_epoch,
                "monitor_value": None if value is None else float(value),
                "wall_time": time.time(),
            }
        )
        return original(filepath, weights_only=weights_only, storage_options=storage_options)

    trainer.save_checkpoint = save_checkpoint


def run_case(case: str, spec: dict) -> None:
    case_dir = OUT_ROOT / case
    case_dir.mkdir(parents=True)
    # Relative save_dir with cwd = case folder: the logger's log_dir and the
    # checkpoint dirpath derived from it stay relative ("./lightning_logs/...").
    os.chdir(case_dir)

    L.seed_everything(SEED, workers=True, verbose=False)
    train_ds, val_ds = make_data()
    model = TinyRegressor(lr=spec["lr"], scripted_val_acc=SCRIPTED_VAL_ACC if spec["scripted"] else None)

    ckpt = ModelCheckpoint(**spec["checkpoint"])
    logger = TensorBoardLogger(save_dir=".", name="lightning_logs")
    trainer = L.Trainer(
        max_epochs=spec["max_epochs"],
        accelerator="cpu",
        devices=1,
        logger=logger,
        callbacks=[ckpt],
        log_every_n_steps=1,
        num_sanity_val_steps=0,
        deterministic=True,
        enable_progress_bar=False,
        enable_model_summary=False,
        **spec["trainer_kwargs"],
    )
    saves: list[dict] = []
    record_saves(trainer, ckpt.monitor, saves)
    trainer.fit(
        model,
        DataLoader(train_ds, batch_size=BATCH, shuffle=True),
        DataLoader(val_ds, batch_size=N_VAL),
    )

    model_dir = case_dir / MODEL_DIR
    event_files = sorted(model_dir.glob("events.out.tfevents.*"))
    assert len(event_files) == 1, event_files
    metric_tag = ckpt.monitor
    evaluations = read_scalars(event_files[0], metric_tag)
    epoch_events = read_scalars(event_files[0], "epoch")
    checkpoints = sorted(p.relative_to(model_dir).as_posix() for p in (model_dir / "checkpoints").glob("*.ckpt"))

    def rel(p: str) -> str:
        # best_model_path is relative to the case folder ("lightning_logs/version_0/...")
        return os.path.relpath(os.path.join(case_dir, p), model_dir) if p else p

    best_rel = rel(ckpt.best_model_path)
    # For every file written: which logged event's value did Lightning use?
    # (the latest event of metric_tag written before the save that has that value)
    for save in saves:
        seen = [e for e in evaluations if e["wall_time"] <= save["wall_time"]]
        same = [e["step"] for e in seen if e["value"] == save["monitor_value"]]
        save["value_from_event_step"] = same[-1] if same else None
        save["latest_event_step_written_before_save"] = seen[-1]["step"] if seen else None
        save["kept_on_disk"] = save["file"] in checkpoints
    scores = {rel(k): float(v) for k, v in ckpt.best_k_models.items()}
    expected = {
        "framework": f"lightning {lightning.__version__}",
        "torch": torch.__version__,
        "model_dir": MODEL_DIR,
        "event_files": [p.name for p in event_files],
        "metric_tag": metric_tag,
        "mode": ckpt.mode,
        "evaluations": evaluations,
        "checkpoints_on_disk": checkpoints,
        "framework_best_checkpoint": best_rel,
        "framework_best_metric": float(ckpt.best_model_score),
        "framework_best_k_models": scores,
        "framework_last_model_path": rel(ckpt.last_model_path),
        "framework_dirpath": ckpt.dirpath,
        "saves": saves,
        "epoch_events": [{"step": e["step"], "value": e["value"]} for e in epoch_events],
        "other_tags": all_tags(event_files[0]),
        "checkpoint_config": spec["checkpoint"],
        "trainer_config": {"max_epochs": spec["max_epochs"], "train_batches_per_epoch": N_TRAIN // BATCH,
                           "lr": spec["lr"],
                           **spec["trainer_kwargs"]},
    }
    if spec["scripted"]:
        expected["scripted_values"] = SCRIPTED_VAL_ACC
    expected["notes"] = NOTES[case]
    (case_dir / "expected.json").write_text(json.dumps(expected, indent=2) + "\n")
    print(f"[{case}] best={best_rel} score={float(ckpt.best_model_score)} on_disk={checkpoints}")


# Observed with lightning 2.6.6 (see README.md); kept next to the code so a
# regeneration with another Lightning version makes a mismatch easy to spot
# (compare with the "saves" list that every expected.json records).
COMMON_NOTES = (
    "Step mapping: a checkpoint named step=N was saved at trainer.global_step N (optimizer steps done). "
    "Metrics are logged with step = fit_loop.epoch_loop._batches_that_stepped, which is incremented only "
    "after the in-loop validation has run, so the val metric of the validation that follows optimizer "
    "step N is logged at event step N-1 (train_loss of the batch that makes global_step N is also logged "
    "at N-1). The TensorBoardLogger adds an 'epoch' scalar (trainer.current_epoch, 0-based, same as "
    "epoch= in the file name) to every log_metrics call, i.e. at every train-step event and again at "
    "every validation event step; it logs hp_metric=-1 at step 0 plus _hparams_ plugin summaries. "
    "train_loss, val_loss, val_acc, epoch and hp_metric all share the one event file in "
    "lightning_logs/version_0 (torch.utils.tensorboard writer, simple_value scalars). "
    "ModelCheckpoint state inside each .ckpt holds relative paths only "
    "(dirpath './lightning_logs/version_0/checkpoints') because save_dir='.' was relative. "
)
NOTES = {
    "default": COMMON_NOTES + (
        "Epoch-end saves: epoch=E-step=N.ckpt holds the val_loss logged at step N-1 "
        "(N = 4*(E+1) here, 4 batches per epoch). save_top_k=2 keeps the two lowest; "
        "Lightning deleted epoch 0-2 files. Odd but real: with save_last=True, last.ckpt is only "
        "rewritten when a top-k file was saved at the same step, so last.ckpt holds epoch 4 / "
        "global_step 20, not the final epoch 5 / step 24 (whose val_loss was not top-2)."
    ),
    "metric_name_tie": COMMON_NOTES + (
        "Filename '{epoch}-{step}-{val_acc:.3f}' gives 'epoch=1-step=8-val_acc=0.750.ckpt' (metric "
        "names are inserted, value formatted from the float32 tensor). Tie rule: 0.75 at epoch 1 "
        "(event step 7) and epoch 3 (event step 15); best_model_path = max(best_k_models, key=score) "
        "returns the first inserted, i.e. the EARLIEST tied checkpoint epoch=1-step=8. A tie with the "
        "current k-th best does not enter the top k (strict torch.gt/lt)."
    ),
    "every_n_steps": COMMON_NOTES + (
        "every_n_train_steps=3 with val_check_interval=2 (4 batches/epoch): validations after global "
        "steps 2,4,6,8,10,12 are logged at event steps 1,3,5,7,9,11; saves happen in on_train_batch_end "
        "at global steps 3,6,9,12, BEFORE the validation that follows the same batch. So a step save "
        "uses the most recent val_loss already computed, which can be stale: step=3 uses event step 1, "
        "step=6 uses event step 3 (not 5, although event 5 < 6: it is written just after the save), "
        "step=9 uses event step 7. Exception: when the save batch is the last of an epoch and validation "
        "follows, Lightning 2.6 defers the save to on_validation_end, so step=12 uses event step 11. "
        "No save happens at epoch end (every_n_epochs becomes 0). The lowest logged val_loss (event "
        "step 5) is therefore never checkpointed; Lightning's best is epoch=2-step=9.ckpt with the "
        "val_loss of event step 7. Also: last.ckpt is written on every step save here (deferred path "
        "saves last unconditionally) and holds global_step 12."
    ),
}


def main() -> int:
    torch.set_num_threads(1)
    warnings.filterwarnings("ignore", ".*does not have many workers.*")
    logging.getLogger("lightning.pytorch").setLevel(logging.WARNING)
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

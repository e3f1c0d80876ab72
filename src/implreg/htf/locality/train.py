"""One locality training run: a ResNet on Is-Same-Class or Pathfinder, with or without the IGC regulariser.

Per spec sections 3-4: BCE-with-logits on one logit, SGD (lr 0.01, momentum 0.9, weight decay 0, batch 64, no
schedule), at most `epochs` epochs, and — with ``stop_on_perfect_train_acc`` — a stop once the running train
accuracy (over the epoch's batches, BN in train mode) has been 100% on more than `stop_patience` consecutive
epochs. The test set is evaluated every `eval_every` epochs and always at the end; the reported score is the
last evaluation (``test_acc_last``, the paper's), with the best one and train accuracies beside it.

Everything random is derived from `seed` without hidden state: the model init (``build_model(seed)``), the
shuffle of epoch e (a generator seeded by (seed, e)) and the IGC patches of step t (a NumPy generator seeded by
(seed, t)); dropout, if on, uses torch's global RNG, which is checkpointed. So a run is deterministic on the
CPU and a resumed run equals an uninterrupted one.
"""

from __future__ import annotations

import math
import sys
import time
from dataclasses import asdict, dataclass, field

import numpy as np
import torch
from torch import Tensor, nn

from implreg.checkpoint import Checkpoint, disabled
from implreg.engine import torch_threads
from implreg.errors import ConfigError, DivergenceError
from implreg.htf.locality.is_same_class import compose
from implreg.htf.locality.regularizer import (
    BN_MODES,
    Patch,
    igc_penalty,
    is_same_patches,
    sample_preset_pair,
    sample_random_pair,
)
from implreg.htf.locality.resnet import ModelConfig, build_model
from implreg.progress import Progress

_HINT = "Lower `lr` or the regularisation coefficient `lam` in the htf.locality config block and rerun."


# --------------------------------------------------------------------------------------------------- data


class ImageData:
    """Pathfinder-style data: uint8 images ``[n, H, W]`` or ``[n, C, H, W]`` and 0/1 labels, scaled to [0, 1]
    and normalised by the train set's scalar mean and std (as the original)."""

    def __init__(self, x_train, y_train, x_test, y_test, device: str | torch.device = "cpu"):
        def prep(x):
            t = torch.as_tensor(np.ascontiguousarray(x))
            return (t[:, None] if t.ndim == 3 else t).to(device)

        self.x = {"train": prep(x_train), "test": prep(x_test)}
        self.y = {
            s: torch.as_tensor(np.asarray(v), dtype=torch.float32).to(device)
            for s, v in (("train", y_train), ("test", y_test))
        }
        xf = self.x["train"].double() / 255.0
        self.mean, self.std = float(xf.mean()), max(float(xf.std()), 1e-6)
        self.shape = tuple(self.x["train"].shape[1:])
        self.preset_patches: tuple[Patch, ...] | None = None

    def size(self, split: str) -> int:
        return int(self.y[split].shape[0])

    def batch(self, split: str, idx: Tensor) -> tuple[Tensor, Tensor]:
        x = (self.x[split][idx].float() / 255.0 - self.mean) / self.std
        return x, self.y[split][idx]


class PairCanvasData:
    """Is-Same-Class data from a :func:`make_dataset` dict: canvases composed per batch at `distance`."""

    def __init__(self, arrays: dict, distance: int, height: int, width: int, device: str | torch.device = "cpu"):
        self.imgs = {s: torch.as_tensor(np.asarray(arrays[f"{s}_images"])).to(device) for s in ("train", "test")}
        self.pairs = {s: torch.as_tensor(np.asarray(arrays[f"{s}_pairs"])).to(device) for s in ("train", "test")}
        self.y = {
            s: torch.as_tensor(np.asarray(arrays[f"{s}_labels"]), dtype=torch.float32).to(device)
            for s in ("train", "test")
        }
        self.mean = torch.as_tensor(np.asarray(arrays["mean"]), dtype=torch.float32)
        self.std = torch.as_tensor(np.asarray(arrays["std"]), dtype=torch.float32)
        self.distance, self.height, self.width = int(distance), int(height), int(width)
        self.shape = (3, self.height, self.width)
        self.preset_patches = is_same_patches(self.height, self.width, self.distance)

    def size(self, split: str) -> int:
        return int(self.y[split].shape[0])

    def batch(self, split: str, idx: Tensor) -> tuple[Tensor, Tensor]:
        x = compose(
            self.imgs[split], self.pairs[split][idx], self.distance, self.height, self.width, self.mean, self.std
        )
        return x, self.y[split][idx]


# ---------------------------------------------------------------------------------------------- settings


@dataclass
class LocalityTrainConfig:
    """Settings of one run (defaults = the paper's, section 3-4 of the spec).

    lam: IGC coefficient λ (0 = baseline). reg_patches: "preset" (Is-Same: the two image locations) or
    "random" (Pathfinder: random reg_patch_size² patches at Chebyshev gap >= reg_distance; reg_adjacent_only
    also caps the gap). reg_bn_mode: "original" (the shuffled pass updates BN statistics) or "frozen".
    reg_eps: floor of the gradient norms (0 = the original's plain division). reg_batch_size: estimate R on
    only the first k samples of each (shuffled) batch, k >= 2; 0 = the whole batch (the original). R is a mean
    over samples, so the estimate is unbiased and the regulariser still acts on every step, at about k/B of the
    double-backprop cost (the BCE then takes its own plain forward over the whole batch). eval_every: test
    evaluation period in epochs (also at the last epoch and at an early stop).
    """

    lam: float = 0.0
    epochs: int = 150
    batch_size: int = 64
    lr: float = 0.01
    momentum: float = 0.9
    weight_decay: float = 0.0
    stop_on_perfect_train_acc: bool = True
    stop_patience: int = 20
    eval_every: int = 1
    eval_batch_size: int = 256
    reg_patches: str = "preset"
    reg_patch_size: int = 2
    reg_distance: int = 0
    reg_adjacent_only: bool = False
    reg_bn_mode: str = "original"
    reg_eps: float = 1e-12
    reg_batch_size: int = 0
    seed: int = 0
    device: str = "cpu"
    threads: int | None = 1
    progress_every_s: float = 30.0

    def validate(self) -> None:
        if self.lam < 0 or not math.isfinite(self.lam):
            raise ConfigError(f"the regularisation coefficient `lam` must be finite and >= 0, got {self.lam}.")
        if self.epochs < 1 or self.batch_size < 2 or self.eval_every < 1 or self.eval_batch_size < 1:
            raise ConfigError("need `epochs` >= 1, `batch_size` >= 2, `eval_every` >= 1 and `eval_batch_size` >= 1.")
        if not self.lr > 0 or self.momentum < 0 or self.weight_decay < 0 or self.stop_patience < 0:
            raise ConfigError("need `lr` > 0 and `momentum`, `weight_decay`, `stop_patience` >= 0.")
        if self.reg_patches not in ("preset", "random"):
            raise ConfigError(f"`reg_patches` must be 'preset' or 'random', got {self.reg_patches!r}.")
        if self.reg_batch_size != 0 and not 2 <= self.reg_batch_size <= self.batch_size:
            raise ConfigError(
                f"`reg_batch_size` must be 0 (the whole batch) or between 2 and batch_size = {self.batch_size}, "
                f"got {self.reg_batch_size}."
            )
        if self.reg_bn_mode not in BN_MODES:
            raise ConfigError(f"`reg_bn_mode` must be one of {list(BN_MODES)}, got {self.reg_bn_mode!r}.")


def _mix(*ints: int) -> int:
    return int(np.random.SeedSequence([int(i) for i in ints]).generate_state(1, dtype=np.uint64)[0] >> 1)


def _patches(data, cfg: LocalityTrainConfig, step: int) -> tuple[Patch, Patch]:
    rng = np.random.default_rng([int(cfg.seed), 17, int(step)])
    if cfg.reg_patches == "preset":
        if data.preset_patches is None:
            raise ConfigError("`reg_patches: preset` needs a task with preset patches (Is-Same); use 'random'.")
        return sample_preset_pair(data.preset_patches, rng)
    _, h, w = data.shape
    return sample_random_pair(h, w, cfg.reg_patch_size, cfg.reg_distance, rng, cfg.reg_adjacent_only)


@torch.no_grad()
def evaluate(model: nn.Module, data, split: str, batch_size: int = 256) -> dict:
    """Accuracy and mean BCE of `model` (eval mode) on a whole split."""
    was_training = model.training
    model.eval()
    n = data.size(split)
    correct, loss = 0.0, 0.0
    dev = data.y[split].device
    for s in range(0, n, batch_size):
        idx = torch.arange(s, min(s + batch_size, n), device=dev)
        x, y = data.batch(split, idx)
        logits = model(x)[:, 0]
        loss += float(nn.functional.binary_cross_entropy_with_logits(logits, y, reduction="sum"))
        correct += float(((logits > 0).float() == y).sum())
    model.train(was_training)
    return {"acc": correct / max(n, 1), "loss": loss / max(n, 1)}


# ------------------------------------------------------------------------------------------------ training


def train_run(
    model_cfg: ModelConfig,
    data,
    cfg: LocalityTrainConfig,
    label: str = "locality",
    checkpoint: Checkpoint | None = None,
) -> dict:
    """Train one model on `data` (:class:`ImageData` or :class:`PairCanvasData`); return a JSON-ready dict:
    ``settings``, ``model``, ``history`` (per epoch: train acc / loss / mean IGC value; per evaluation:
    test acc / loss), ``test_acc_last`` (the paper's score), ``test_acc_best``, ``train_acc_last``,
    ``stop_epoch``, ``stopped_early`` and ``steps`` (wall time goes to the log: results depend on seeds only).
    Accuracies are fractions in [0, 1].
    Raises DivergenceError naming the epoch when the loss becomes NaN/inf."""
    cfg.validate()
    model_cfg.validate()
    ckpt = checkpoint if checkpoint is not None else disabled()
    with torch_threads(cfg.threads), ckpt:
        return _train(model_cfg, data, cfg, label, ckpt)


@dataclass
class _Loop:
    """Where a run stands: the next epoch, SGD steps taken, epochs of perfect train accuracy in a row, the
    last finite loss, the history, and (resuming inside an epoch) that epoch's saved position."""

    start: int = 1
    step: int = 0
    streak: int = 0
    last_finite: float = float("nan")
    hist: dict = field(default_factory=lambda: {k: [] for k in _HIST_KEYS})
    partial: dict | None = None

    def state(self, model, opt, epoch: int) -> dict:
        """What a checkpoint holds after `epoch` completed epochs (the caller adds ``partial_epoch``)."""
        state = {"model": model.state_dict(), "opt": opt.state_dict(), "torch_rng": torch.get_rng_state()}
        state |= {"epoch": epoch, "step": self.step, "streak": self.streak, "last_finite": self.last_finite}
        return state | {"hist": self.hist}


_HIST_KEYS = ("epoch", "train_acc", "train_loss", "reg", "eval_epoch", "test_acc", "test_loss")


def _resume(model, opt, cfg: LocalityTrainConfig, ckpt: Checkpoint) -> _Loop:
    """The checkpointed position (model, optimizer and torch RNG restored), or a fresh start."""
    saved = ckpt.load()
    if saved is None:
        torch.manual_seed(_mix(cfg.seed, 3))  # dropout masks
        return _Loop()
    model.load_state_dict(saved["model"])
    opt.load_state_dict(saved["opt"])
    torch.set_rng_state(torch.as_tensor(saved["torch_rng"], dtype=torch.uint8))
    return _Loop(
        start=int(saved["epoch"]) + 1,
        step=int(saved["step"]),
        streak=int(saved["streak"]),
        last_finite=float(saved["last_finite"]),
        hist={k: list(v) for k, v in saved["hist"].items()},
        partial=saved.get("partial_epoch"),  # where the saved epoch stood (absent: it had completed)
    )


def _train(model_cfg: ModelConfig, data, cfg: LocalityTrainConfig, label: str, ckpt: Checkpoint) -> dict:
    dev = torch.device(cfg.device)
    model = build_model(model_cfg, seed=cfg.seed).to(dev)
    model.train()
    opt = torch.optim.SGD(model.parameters(), lr=cfg.lr, momentum=cfg.momentum, weight_decay=cfg.weight_decay)
    n = data.size("train")
    loop = _resume(model, opt, cfg, ckpt)
    prog = Progress(cfg.epochs, label=label, every_s=cfg.progress_every_s, unit="epoch")
    prog.start_at(loop.start - 1)
    t0 = time.perf_counter()
    for epoch in range(loop.start, cfg.epochs + 1):
        sums = _train_epoch(model, opt, data, cfg, loop, epoch, label, ckpt)
        if _end_epoch(model, data, cfg, loop, epoch, sums, prog):
            break
    seconds = time.perf_counter() - t0
    hist = loop.hist
    if not hist["epoch"]:
        raise ConfigError("training ran no epoch (a checkpoint of a finished run?); delete the checkpoint and rerun.")
    print(f"{label}: stopped at epoch {hist['epoch'][-1]} after {seconds:.1f} s", file=sys.stderr)
    step = loop.step
    return {
        "settings": asdict(cfg),
        "model": model_cfg.to_dict(),
        "n_train": n,
        "n_test": data.size("test"),
        "input_shape": list(data.shape),
        "test_acc_last": hist["test_acc"][-1],
        "test_acc_best": max(hist["test_acc"]),
        "train_acc_last": hist["train_acc"][-1],
        "stop_epoch": hist["epoch"][-1],
        "stopped_early": bool(hist["epoch"][-1] < cfg.epochs),
        "steps": step,
        "history": hist,
    }


def _train_epoch(model, opt, data, cfg: LocalityTrainConfig, loop: _Loop, epoch: int, label: str, ckpt) -> tuple:
    """One epoch's SGD steps over its shuffle (from the saved position when resuming inside it); returns the
    epoch's (correct, loss_sum, reg_sum) over its samples."""
    n = data.size("train")
    dev = torch.device(cfg.device)
    perm = torch.randperm(n, generator=torch.Generator().manual_seed(_mix(cfg.seed, 1, epoch))).to(dev)
    correct = loss_sum = reg_sum = 0.0
    first = 0
    if loop.partial is not None:  # resume inside this epoch: same shuffle, skip the batches already taken
        first, correct, loss_sum, reg_sum = (loop.partial[k] for k in ("pos", "correct", "loss_sum", "reg_sum"))
        first, loop.partial = int(first), None
    for s in range(first, n, cfg.batch_size):
        idx = perm[s : s + cfg.batch_size]
        x, y = data.batch("train", idx)
        loss, logits, reg = _batch_loss(model, data, cfg, loop.step, x, y)
        if not bool(torch.isfinite(loss)):
            raise DivergenceError(loop.step, loop.last_finite, run=f"{label} at epoch {epoch}", hint=_HINT)
        opt.zero_grad(set_to_none=True)
        loss.backward()
        opt.step()
        loop.step += 1
        loop.last_finite = float(loss.detach())
        correct += float(((logits.detach() > 0).float() == y).sum())
        loss_sum += loop.last_finite * idx.numel()
        reg_sum += float(reg.detach()) * idx.numel()
        if ckpt.due():
            # Checked after every step: an epoch can take minutes on a CPU, longer than a cluster's grace
            # period after SIGTERM. Saved: the completed epochs plus where this one stands (pos = n at its
            # last step, after which a resumed run only redoes the epoch's bookkeeping and evaluation).
            here = {"pos": min(s + cfg.batch_size, n), "correct": correct, "loss_sum": loss_sum, "reg_sum": reg_sum}
            ckpt.save(loop.state(model, opt, epoch - 1) | {"partial_epoch": here})
            ckpt.stop_if_signalled()
    return correct, loss_sum, reg_sum


def _batch_loss(
    model, data, cfg: LocalityTrainConfig, step: int, x: Tensor, y: Tensor
) -> tuple[Tensor, Tensor, Tensor]:
    """(BCE + lam x IGC penalty, logits, penalty) of one batch; the penalty is 0 for a baseline run."""
    bce = nn.functional.binary_cross_entropy_with_logits
    size = y.shape[0]
    if cfg.lam > 0 and size >= 2:
        pi, pj = _patches(data, cfg, step)
        k = cfg.reg_batch_size
        if k == 0 or k >= size:  # the original: R and the BCE share the first forward pass
            reg, logits = igc_penalty(model, x, pi, pj, eps=cfg.reg_eps, bn_mode=cfg.reg_bn_mode)
        else:  # R on a sub-batch: the shuffle already makes its first k samples a random subset
            logits = model(x)[:, 0]
            reg, _ = igc_penalty(model, x[:k], pi, pj, eps=cfg.reg_eps, bn_mode=cfg.reg_bn_mode)
        return bce(logits, y) + cfg.lam * reg, logits, reg
    logits, reg = model(x)[:, 0], torch.zeros(())
    return bce(logits, y), logits, reg


def _end_epoch(model, data, cfg: LocalityTrainConfig, loop: _Loop, epoch: int, sums: tuple, prog: Progress) -> bool:
    """The epoch's history row, the test evaluation when due, the progress line; True when the run stops."""
    n = data.size("train")
    correct, loss_sum, reg_sum = sums
    hist = loop.hist
    train_acc = correct / n
    hist["epoch"].append(epoch)
    hist["train_acc"].append(train_acc)
    hist["train_loss"].append(loss_sum / n)
    hist["reg"].append(reg_sum / n)
    loop.streak = loop.streak + 1 if train_acc >= 1.0 else 0
    stop = cfg.stop_on_perfect_train_acc and loop.streak > cfg.stop_patience
    extra = f"train acc {train_acc:.4f}"
    if epoch % cfg.eval_every == 0 or epoch == cfg.epochs or stop:
        ev = evaluate(model, data, "test", cfg.eval_batch_size)
        hist["eval_epoch"].append(epoch)
        hist["test_acc"].append(ev["acc"])
        hist["test_loss"].append(ev["loss"])
        extra += f", test acc {ev['acc']:.4f}"
    prog.update(epoch, loss=loss_sum / n, force=epoch == cfg.epochs or stop, extra=extra)
    return stop

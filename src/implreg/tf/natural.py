"""Tensor rank as a measure of complexity on natural data (Fig. 4 of Razin, Maman & Cohen 2021).

Each binarised 28×28 image is an index into an order-784 tensor with mode size 2; a one-vs-all label is the
value of that entry. A CP model of rank R, factors ``F [784, 2, R]``, predicts ``f(x) = Σ_r Π_a F[a, x_a, r]``.

Forward pass. The original builds a one-hot ``(B, 784, 2)`` input, contracts it to ``(B, 784, R)`` and takes a
784-way product: a huge intermediate, and float32 products of 784 factors. Here the same value is computed
exactly in the log domain with one matrix product (see :func:`cp_forward_logdomain`), which is 10-20× faster
on a CPU and never forms the intermediate.

Joint training. All models of one (dataset, variant) -- every R in a list × every one-vs-all class -- train
in ONE process on shared mini-batches. Layout: one parameter tensor per R of shape ``[n_classes, 784, 2, R]``
(class ``classes[i]`` owns slice ``[i]``). The loss is the SUM over models of each model's batch MSE, and Adam
acts elementwise, so every model follows exactly the trajectory it would follow alone with the same init and
the same shuffle order (tested to ~1e-12 in float64). Inits are drawn per (seed, R, class), independent of
which other models share the run.

Data stay ``uint8`` (a 60000×784 training set is 47 MB); batches are cast to float only when used.
"""

from __future__ import annotations

import math
import os
import sys
import time
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field

import numpy as np
import torch
from torch import Tensor

from implreg.checkpoint import Checkpoint, disabled
from implreg.datasets.mnist import load_split
from implreg.engine import torch_threads
from implreg.errors import ConfigError, DivergenceError
from implreg.progress import Progress

N_CLASSES = 10
VARIANTS = ("original", "rand_labels", "rand_images")
_DIVERGENCE_HINT = "Lower `lr` (the paper uses 5e-4) or use float64; a 784-way product is fragile."


# ---------------------------------------------------------------------------------------------------- data


def binarise(images: np.ndarray) -> np.ndarray:
    """``uint8 [n, 784]`` in {0, 1}: round(pixel/255), i.e. a raw value ≥ 128 becomes 1 (k = 2 grey levels)."""
    images = np.asarray(images)
    if images.dtype != np.uint8:
        raise ConfigError(f"binarise expects uint8 images (0..255), got {images.dtype}.")
    return (images >= 128).astype(np.uint8).reshape(images.shape[0], -1)


def _check_positive_label(labels: np.ndarray, positive_label: int) -> int:
    allowed = list(range(N_CLASSES))
    if isinstance(positive_label, bool) or not isinstance(positive_label, int | np.integer):
        raise ConfigError(f"`positive_label` must be an integer in {allowed}, got {positive_label!r}.")
    if not 0 <= int(positive_label) < N_CLASSES:
        raise ConfigError(f"`positive_label` must be one of {allowed}, got {positive_label}.")
    if not np.any(labels == positive_label):
        present = sorted(int(v) for v in np.unique(labels))
        raise ConfigError(
            f"`positive_label` {positive_label} does not occur in the labels (present: {present}); "
            f"choose one of {allowed} that occurs, or use a larger subsample."
        )
    return int(positive_label)


def one_vs_all_targets(
    labels: np.ndarray, positive_label: int, pos_value: float = 2.0, neg_value: float = 0.0
) -> np.ndarray:
    """float64 ``[n]``: `pos_value` where ``labels == positive_label``, `neg_value` elsewhere."""
    labels = np.asarray(labels)
    c = _check_positive_label(labels, positive_label)
    return np.where(labels == c, float(pos_value), float(neg_value))


def _variant_rng(seed: int, variant: str, part: int) -> np.random.Generator:
    return np.random.default_rng([int(seed), VARIANTS.index(variant), part])


def make_variant(
    x_train: np.ndarray,
    y_train: np.ndarray,
    x_test: np.ndarray,
    y_test: np.ndarray,
    variant: str,
    seed: int,
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """The paper's three data variants, deterministic per `seed`; inputs are never modified.

    original:    unchanged.
    rand_labels: labels permuted, separately inside train and inside test (marginals kept, test random too).
    rand_images: every image replaced by i.i.d. Bernoulli(1/2) pixels in {0, 1} (uint8), labels kept.
    `x_*` must be binarised (values in {0, 1}) so all variants live in the same input space.
    """
    if variant not in VARIANTS:
        raise ConfigError(f"unknown `variant` {variant!r}; must be one of {list(VARIANTS)}.")
    for name, x in (("x_train", x_train), ("x_test", x_test)):
        if x.dtype != np.uint8 or (x.size and x.max() > 1):
            raise ConfigError(f"make_variant: {name} must be binarised uint8 in {{0, 1}}; call binarise() first.")
    if variant == "rand_labels":
        y_train = y_train[_variant_rng(seed, variant, 0).permutation(len(y_train))]
        y_test = y_test[_variant_rng(seed, variant, 1).permutation(len(y_test))]
    elif variant == "rand_images":
        x_train = _variant_rng(seed, variant, 0).integers(0, 2, size=x_train.shape, dtype=np.uint8)
        x_test = _variant_rng(seed, variant, 1).integers(0, 2, size=x_test.shape, dtype=np.uint8)
    return x_train, y_train, x_test, y_test


def subsample(x: np.ndarray, y: np.ndarray, n: int | None, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """The first `n` samples after a seeded shuffle (all samples, unshuffled, when `n` is None or ≥ len)."""
    if n is None or n >= len(y):
        return x, y
    if n < 1:
        raise ConfigError(f"subsample size must be >= 1, got {n}.")
    idx = np.random.default_rng([int(seed), 7]).permutation(len(y))[:n]
    return x[idx], y[idx]


def prepare_data(
    directory: str | os.PathLike,
    dataset: str,
    variant: str,
    seed: int,
    n_train: int | None = None,
    n_test: int | None = None,
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Load, binarise, optionally subsample, then apply `variant`: ``(x_train, y_train, x_test, y_test)``."""
    xs, ys = [], []
    for part, (split, n) in enumerate((("train", n_train), ("test", n_test))):
        images, labels = load_split(directory, dataset, split)
        x, y = subsample(binarise(images), labels, n, seed + 1000 * part)
        xs.append(x)
        ys.append(y)
    return make_variant(xs[0], ys[0], xs[1], ys[1], variant, seed)


def variance_baseline(
    labels: np.ndarray,
    classes: Sequence[int],
    pos_value: float = 2.0,
    neg_value: float = 0.0,
    clamp: float | None = None,
) -> np.ndarray:
    """Mean error of the best constant predictor per class: ``p(1−p)(pos−neg)² / clamp``, p = prevalence.

    Replaces the original's hard-coded 0.09 (which is p(1−p) for p = 0.1).
    """
    clamp = (pos_value - neg_value) ** 2 if clamp is None else clamp
    labels = np.asarray(labels)
    p = np.array([np.mean(labels == _check_positive_label(labels, c)) for c in classes])
    return p * (1 - p) * (pos_value - neg_value) ** 2 / clamp


# --------------------------------------------------------------------------------------------------- model


def init_factors(
    ranks: Sequence[int],
    classes: Sequence[int],
    n_features: int = 784,
    init_mean: float = 1.0,
    init_std: float = 1e-3,
    seed: int = 0,
    dtype: torch.dtype = torch.float32,
    device: str | torch.device = "cpu",
) -> list[Tensor]:
    """One leaf tensor ``[len(classes), n_features, 2, R]`` per R, entries i.i.d. N(init_mean, init_std²).

    Model (R, c) draws from its own generator seeded by (seed, R, c), in float64 then cast, so its init is
    the same whatever other models train beside it and whatever the training dtype.
    """
    out = []
    for r in ranks:
        blocks = []
        for c in classes:
            state = np.random.SeedSequence([int(seed), 1, int(r), int(c)]).generate_state(1)[0]
            gen = torch.Generator().manual_seed(int(state))
            blocks.append(torch.randn((n_features, 2, int(r)), generator=gen, dtype=torch.float64))
        w = torch.stack(blocks) * init_std + init_mean
        out.append(w.to(dtype=dtype, device=device).requires_grad_(True))
    return out


def cp_forward_naive(factors: Tensor, x: Tensor) -> Tensor:
    """Reference: gather ``F[a, x_a, r]`` and multiply over a. ``factors [*lead, D, 2, R]``, x ``[B, D]`` → ``[B, *lead]``."""
    d, r = factors.shape[-3], factors.shape[-1]
    lead = factors.shape[:-3]
    f = factors.reshape(-1, d, 2, r)  # [L, D, 2, R]
    idx = x.long()[:, None, :, None, None].expand(-1, f.shape[0], d, 1, r)  # [B, L, D, 1, R]
    picked = torch.gather(f.unsqueeze(0).expand(x.shape[0], -1, -1, -1, -1), 3, idx).squeeze(3)  # [B, L, D, R]
    return picked.prod(dim=2).sum(dim=-1).reshape(x.shape[0], *lead)


def cp_forward_onehot(factors: Tensor, x: Tensor) -> Tensor:
    """The original formulation for one model: one-hot ``(B, D, 2)`` einsum → ``(B, D, R)``, product over D."""
    onehot = torch.nn.functional.one_hot(x.long(), 2).to(factors.dtype)
    return torch.einsum("bai,air->bar", onehot, factors).prod(dim=1).sum(dim=-1)


def _columns(factors: Tensor) -> tuple[Tensor, Tensor, Tensor]:
    """Per-column (model × component) pieces of the log-domain identity, columns ordered (*lead, r).

    Returns ``diff [D, M] = log|F[:,1]| − log|F[:,0]|``, ``base [M] = Σ_a log|F[a,0]|`` and the negativity
    of each factor ``neg [*lead, D, 2, R]`` (no gradient), with M = prod(lead)·R.
    """
    d = factors.shape[-3]
    logabs = factors.abs().log()
    diff = (logabs[..., 1, :] - logabs[..., 0, :]).movedim(-2, 0).reshape(d, -1)
    base = logabs[..., 0, :].sum(dim=-2).reshape(-1)
    return diff, base, factors.detach() < 0


def _signs(negs: list[Tensor], xf: Tensor) -> Tensor | None:
    """±1 per (sample, column): parity of the number of negative selected factors; None if none is negative."""
    if not any(bool(n.any()) for n in negs):
        return None
    d = xf.shape[1]
    nd = torch.cat(
        [(n[..., 1, :].to(xf.dtype) - n[..., 0, :].to(xf.dtype)).movedim(-2, 0).reshape(d, -1) for n in negs], 1
    )
    nb = torch.cat([n[..., 0, :].to(xf.dtype).sum(dim=-2).reshape(-1) for n in negs])
    count = torch.addmm(nb, xf, nd)  # exact small integers
    return 1.0 - 2.0 * torch.remainder(count, 2.0)


def joint_forward(params: Sequence[Tensor], x: Tensor) -> list[Tensor]:
    """Predictions of every model, one ``[B, *lead]`` tensor per parameter tensor ``[*lead, D, 2, R]``.

    Exact identity, per component r and sample x ∈ {0,1}^D:
        log|f_r(x)| = x · (log|F[:,1,r]| − log|F[:,0,r]|) + Σ_a log|F[a,0,r]|,
        sign f_r(x) = (−1)^(number of negative selected factors) = (−1)^(x·(n₁−n₀) + Σ_a n₀),
    so all components of all models come from ONE ``[B, D] @ [D, M]`` product (plus one for the signs,
    skipped while every factor is positive, which is the usual case from a mean-1 init).
    A factor exactly 0 gives log 0 = −inf and may produce NaN; it has probability 0 under training.
    """
    xf = x.to(params[0].dtype)
    parts = [_columns(p) for p in params]
    logabs = torch.addmm(torch.cat([b for _, b, _ in parts]), xf, torch.cat([d for d, _, _ in parts], 1))
    terms = torch.exp(logabs)
    sign = _signs([n for _, _, n in parts], xf)
    if sign is not None:
        terms = terms * sign
    out, start = [], 0
    for p in params:
        lead, r = p.shape[:-3], p.shape[-1]
        width = math.prod(lead) * r
        out.append(terms[:, start : start + width].reshape(x.shape[0], *lead, r).sum(dim=-1))
        start += width
    return out


def cp_forward_logdomain(factors: Tensor, x: Tensor) -> Tensor:
    """Log-domain CP prediction of ``factors [*lead, D, 2, R]`` at ``x [B, D]`` → ``[B, *lead]``."""
    return joint_forward([factors], x)[0]


# ------------------------------------------------------------------------------------------------ training


@dataclass
class NaturalTrainConfig:
    """Training settings of Fig. 4 (defaults = the paper's, except epochs and eval_every).

    ranks:       CP ranks R trained jointly (one parameter tensor each).
    classes:     positive classes of the one-vs-all tasks (one model per R and class).
    eval_every:  test evaluation period in epochs (always also after the last epoch); the original
                 evaluated every epoch, which costs ~as much as the training itself.
    clamp:       per-sample cap of the test squared error; None = (pos_value − neg_value)² = 4.
    """

    ranks: list[int] = field(default_factory=lambda: [1])
    classes: list[int] = field(default_factory=lambda: list(range(N_CLASSES)))
    epochs: int = 10_000
    batch_size: int = 5000
    lr: float = 5e-4
    init_mean: float = 1.0
    init_std: float = 1e-3
    pos_value: float = 2.0
    neg_value: float = 0.0
    clamp: float | None = None
    eval_every: int = 25
    seed: int = 0
    dtype: str = "float32"
    device: str = "cpu"
    threads: int | None = 1
    progress_every_s: float = 30.0

    def validate(self) -> None:
        if not self.ranks or any(int(r) < 1 for r in self.ranks) or len(set(self.ranks)) != len(self.ranks):
            raise ConfigError(f"`ranks` must be distinct integers >= 1, got {self.ranks}.")
        if not self.classes or len(set(self.classes)) != len(self.classes):
            raise ConfigError(f"`classes` must be a non-empty list of distinct labels in 0..9, got {self.classes}.")
        if self.epochs < 1 or self.batch_size < 1 or self.eval_every < 1:
            raise ConfigError("`epochs`, `batch_size` and `eval_every` must all be >= 1.")
        if not self.lr > 0 or not self.init_std >= 0:
            raise ConfigError(f"need lr > 0 and init_std >= 0, got lr={self.lr}, init_std={self.init_std}.")
        if self.dtype not in ("float32", "float64"):
            raise ConfigError(f"`dtype` must be 'float32' or 'float64', got {self.dtype!r}.")
        if self.pos_value == self.neg_value:
            raise ConfigError("`pos_value` and `neg_value` must differ.")

    @property
    def clamp_value(self) -> float:
        return float((self.pos_value - self.neg_value) ** 2 if self.clamp is None else self.clamp)


def _targets(labels: np.ndarray, cfg: NaturalTrainConfig, device) -> Tensor:
    cols = [one_vs_all_targets(labels, c, cfg.pos_value, cfg.neg_value) for c in cfg.classes]
    return torch.from_numpy(np.stack(cols, axis=1)).to(dtype=getattr(torch, cfg.dtype), device=device)


def _stack(preds: list[Tensor]) -> Tensor:
    return torch.stack(preds, dim=1)  # [B, n_ranks, n_classes]


@torch.no_grad()
def evaluate(params: Sequence[Tensor], x: Tensor, targets: Tensor, clamp: float, chunk: int = 10_000) -> dict:
    """Per-model ``[n_ranks, n_classes]`` float64: plain MSE and mean of min(squared error, clamp)."""
    sq_sum = torch.zeros(len(params), targets.shape[1], dtype=torch.float64, device=targets.device)
    clamped_sum = torch.zeros_like(sq_sum)
    for s in range(0, x.shape[0], chunk):
        sq = (_stack(joint_forward(params, x[s : s + chunk])) - targets[s : s + chunk, None, :]).double() ** 2
        sq_sum += sq.sum(0)
        clamped_sum += sq.clamp(max=clamp).sum(0)
    n = max(x.shape[0], 1)
    return {"mse": (sq_sum / n).cpu().numpy(), "clamped": (clamped_sum / n).cpu().numpy()}


def _raise_divergence(losses: Tensor, last_finite: np.ndarray, cfg: NaturalTrainConfig, epoch: int, step: int):
    bad = ~torch.isfinite(losses).cpu().numpy()
    i, j = (int(v) for v in np.argwhere(bad)[0])
    run = f"(R={cfg.ranks[i]}, class={cfg.classes[j]}) at epoch {epoch}"
    raise DivergenceError(step, float(last_finite[i, j]), run=run, hint=_DIVERGENCE_HINT)


def train_joint(
    x_train: np.ndarray,
    y_train: np.ndarray,
    x_test: np.ndarray,
    y_test: np.ndarray,
    cfg: NaturalTrainConfig,
    progress_label: str = "tf_natural",
    return_factors: bool = False,
    checkpoint: Checkpoint | None = None,
) -> dict:
    """Train every (R, class) model of `cfg` jointly with Adam on shared shuffled mini-batches.

    x_*: binarised ``uint8 [n, D]``; y_*: integer class labels ``[n]`` (one-vs-all targets are built here).
    Per epoch: a fresh permutation from a ``torch.Generator`` seeded with ``cfg.seed`` (all models see the
    same order), batches of ``batch_size`` (the last one may be smaller), one Adam step per batch on the
    sum of the models' batch MSEs.

    Returns a JSON-ready dict: settings, ``variance_baseline`` (per class) and ``models``, one record per
    (R, class) with
      train_mse_last_epoch  mean over the last epoch of the pre-step batch MSEs (batch-size weighted, which
                            is the plain mean when batches are equal) -- the paper's train metric;
      train_mse_final       a clean evaluation of the final parameters on the whole train set;
      test_mse_clamped      mean over test samples of min((f(x) − y)², clamp) -- the paper's test metric;
      *_mean_error          the above divided by clamp (the figure's "mean error");
      history               epochs evaluated and the train / test mean errors there.
    With `return_factors`, ``factors`` maps each R to a float64 ndarray ``[n_classes, D, 2, R]`` (not JSON).
    Raises DivergenceError (naming the epoch, R and class) as soon as a model's loss is NaN/inf.
    With `checkpoint`, the state is saved at epoch ends (periodically and on SIGTERM/SIGINT) and a saved
    state of the same job is resumed; the result is bit-identical to an uninterrupted run.
    """
    cfg.validate()
    ckpt = checkpoint if checkpoint is not None else disabled()
    with torch_threads(cfg.threads), ckpt:
        return _train(x_train, y_train, x_test, y_test, cfg, progress_label, return_factors, ckpt)


def _train(
    x_train, y_train, x_test, y_test, cfg: NaturalTrainConfig, label: str, return_factors: bool, ckpt: Checkpoint
) -> dict:
    dev, dtype, clamp = torch.device(cfg.device), getattr(torch, cfg.dtype), cfg.clamp_value
    xtr, xte = (
        torch.from_numpy(np.ascontiguousarray(x_train)).to(dev),
        torch.from_numpy(np.ascontiguousarray(x_test)).to(dev),
    )
    ttr, tte = _targets(y_train, cfg, dev), _targets(y_test, cfg, dev)
    n, d = xtr.shape
    params = init_factors(cfg.ranks, cfg.classes, d, cfg.init_mean, cfg.init_std, cfg.seed, dtype, dev)
    opt = torch.optim.Adam(params, lr=cfg.lr)
    gen = torch.Generator().manual_seed(int(cfg.seed))
    shape = (len(cfg.ranks), len(cfg.classes))
    last_finite = np.full(shape, np.nan)
    hist: dict[str, list] = {"epoch": [], "train": [], "test": []}
    prog = Progress(cfg.epochs, label=label, every_s=cfg.progress_every_s, unit="epoch")
    t0, step, start = time.perf_counter(), 0, 1
    saved = ckpt.load()
    if saved is not None:
        with torch.no_grad():
            for p, q in zip(params, saved["params"], strict=True):
                p.copy_(q)
        opt.load_state_dict(saved["opt"])
        gen.set_state(saved["gen"])
        start, step, last_finite = int(saved["epoch"]) + 1, int(saved["step"]), saved["last_finite"]
        hist = {k: list(v) for k, v in saved["hist"].items()}
        train_epoch = saved["train_epoch"]
    prog.start_at(start - 1)
    for epoch in range(start, cfg.epochs + 1):
        perm = torch.randperm(n, generator=gen).to(dev)
        acc = torch.zeros(shape, dtype=torch.float64, device=dev)
        for s in range(0, n, cfg.batch_size):
            idx = perm[s : s + cfg.batch_size]
            losses = ((_stack(joint_forward(params, xtr[idx])) - ttr[idx][:, None, :]) ** 2).mean(0)
            if not bool(torch.isfinite(losses).all()):
                _raise_divergence(losses, last_finite, cfg, epoch, step)
            opt.zero_grad(set_to_none=True)
            losses.sum().backward()
            opt.step()
            step += 1
            last_finite = losses.detach().double().cpu().numpy()
            acc += losses.detach().double() * idx.numel()
        train_epoch = (acc / n).cpu().numpy()
        test_err = None
        if epoch % cfg.eval_every == 0 or epoch == cfg.epochs:
            test_err = evaluate(params, xte, tte, clamp)["clamped"] / clamp
            hist["epoch"].append(epoch)
            hist["train"].append(train_epoch / clamp)
            hist["test"].append(test_err)
        extra = f"test mean err {float(test_err.mean()):.4f}" if test_err is not None else ""
        prog.update(epoch, loss=float(train_epoch.mean()), force=epoch == cfg.epochs, extra=extra)
        if ckpt.due():
            state = {"params": [p.detach() for p in params], "opt": opt.state_dict(), "gen": gen.get_state()}
            state |= {"epoch": epoch, "step": step, "last_finite": last_finite, "train_epoch": train_epoch}
            ckpt.save({**state, "hist": hist})
            ckpt.stop_if_signalled()
    seconds = time.perf_counter() - t0
    print(f"{label}: {cfg.epochs - start + 1} epochs in {seconds:.1f} s", file=sys.stderr)
    final_train, final_test = evaluate(params, xtr, ttr, clamp), evaluate(params, xte, tte, clamp)
    if not (np.isfinite(final_train["mse"]).all() and np.isfinite(final_test["mse"]).all()):
        bad = torch.tensor(final_train["mse"] + final_test["mse"])
        _raise_divergence(bad, last_finite, cfg, cfg.epochs, step)
    out = _report(cfg, n, xte.shape[0], y_train, train_epoch, final_train, final_test, hist, step)
    if return_factors:
        out["factors"] = {r: p.detach().double().cpu().numpy() for r, p in zip(cfg.ranks, params, strict=True)}
    return out


def _report(cfg, n_train, n_test, y_train, train_epoch, final_train, final_test, hist, steps) -> dict:
    clamp = cfg.clamp_value
    baseline = variance_baseline(y_train, cfg.classes, cfg.pos_value, cfg.neg_value, clamp)
    models = []
    for i, r in enumerate(cfg.ranks):
        for j, c in enumerate(cfg.classes):
            models.append(
                {
                    "R": int(r),
                    "class": int(c),
                    "train_mse_last_epoch": float(train_epoch[i, j]),
                    "train_mse_final": float(final_train["mse"][i, j]),
                    "test_mse_clamped": float(final_test["clamped"][i, j]),
                    "test_mse": float(final_test["mse"][i, j]),
                    "train_mean_error": float(train_epoch[i, j] / clamp),
                    "train_mean_error_final": float(final_train["mse"][i, j] / clamp),
                    "test_mean_error": float(final_test["clamped"][i, j] / clamp),
                    "variance_baseline": float(baseline[j]),
                    "history": {
                        "epoch": list(hist["epoch"]),
                        "train_mean_error": [float(h[i, j]) for h in hist["train"]],
                        "test_mean_error": [float(h[i, j]) for h in hist["test"]],
                    },
                }
            )
    return {
        "config": asdict(cfg),
        "clamp": clamp,
        "n_train": int(n_train),
        "n_test": int(n_test),
        "steps": int(steps),
        "variance_baseline": [float(v) for v in baseline],
        "models": models,
    }

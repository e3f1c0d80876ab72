"""E1 of Razin, Maman & Cohen (ICML 2021): incremental learning dynamics of GD over CP tensor factorization.

A low-rank ground truth W* is fitted, from a small random init, by a CP factorization with as many components
as any tensor of its shape needs (R = product of all mode sizes but the largest). Logged every ``log_every``
iterations: the train MSE, the normalized reconstruction error ‖W − W*‖/‖W*‖ over the *full* tensor, and the
top-k component norms ∏ₙ‖wᵣⁿ‖ re-sorted at each log point (curves are ranks, not identities). The paper's
claim: with small init the components rise one at a time, r* of them in all, and the error is a staircase.

Everything runs through :func:`implreg.engine.train_batched`: all init scales/seeds of one dataset share the
parameter shape, so they train as one batch. Datasets and results are plain numpy arrays/scalars, ready for
``np.savez`` / JSON. The analysis helpers at the bottom (:func:`emergence_times`,
:func:`incremental_summary`, :func:`staircase`) are pure functions of numpy arrays, so claims can be tested
on saved histories.

Precision: float64 by default, although float32 is safe for the stopping rule. An MSE of 1e-8 means residuals
~1e-4 on entries ~1e-2 (1% relative), far above float32's resolution, and on the seed-0 paper instance float32
and float64 gave the same emergence times (to one log interval) and final errors within 5% (3.4e-3/3.5e-3).
float64 is the default because the paper's σ = 0.005 run ends at a reconstruction error of 7e-6 (residuals
~7e-10 on entries ~1e-2, under float32's ulp of ~1e-9 there), and the cost is small: all three σ of Fig. 3,
batched, take ~2 min in float64 against ~50 s in float32 (11.6 against 5.3 ms per 3-run step, 2-core box
under load). Pass ``dtype=torch.float32`` for the authors' precision.
"""

from __future__ import annotations

import math
import time
from collections.abc import Mapping, Sequence
from typing import Any, Literal

import numpy as np
import torch
import torch.nn.functional as F
from torch import Tensor

from implreg.cp import (
    as_generator,
    cp_reconstruct,
    cp_reconstruct_elements,
    cp_reconstruct_np,
    default_cp_components,
    init_cp_factors,
    random_cp_factors,
)
from implreg.engine import DYNAMICS_OPTIONS, TrainOptions, history_arrays, train_batched
from implreg.errors import ConfigError
from implreg.incremental import component_norms

Task = Literal["completion", "sensing"]
LossName = Literal["l2", "l1", "huber"]
LOSSES: tuple[str, ...] = ("l2", "l1", "huber")

# The paper's stopping rule: evaluate every 25 iterations; stop once the train MSE has been < 1e-8 at more
# than 50 consecutive evaluations (i.e. 51 evaluations = 1275 iterations after it first dips below).
PAPER_OPTIONS = DYNAMICS_OPTIONS.replace(max_steps=1_000_000, stop_loss=1e-8, stop_patience=50, progress_label="tf")


# ----------------------------------------------------------------------------------------------------------
# Data
# ----------------------------------------------------------------------------------------------------------


def memory_lower_bound(
    shape: Sequence[int],
    R: int | None,
    runs: int,
    num_samples: int,
    task: str = "completion",
    itemsize: int = 8,
) -> tuple[int, str]:
    """Bytes a training job of this size needs at the least, and what dominates: the float64 target, the
    sensing tensors (sensing), and per run the factors and their gradients, and the Khatri-Rao halves and the
    full tensor of each step (:func:`implreg.cp.cp_reconstruct_elements`). Torch itself comes on top."""
    shape = [int(d) for d in shape]
    numel = math.prod(shape)
    R = default_cp_components(shape) if R is None else int(R)
    recon = itemsize * runs * cp_reconstruct_elements(shape, R)
    parts = {
        f"the {numel:.3g}-entry target (float64)": 8 * numel,
        f"the reconstruction of {runs} run(s) with R = {R:.3g} components": recon,
        f"the factors of {runs} run(s) and their gradients (R = {R:.3g})": 2 * itemsize * runs * sum(shape) * R,
    }
    if task == "sensing":
        parts[f"{num_samples} sensing tensors of {numel:.3g} entries"] = 8 * int(num_samples) * numel
    return sum(parts.values()), max(parts, key=parts.get)


def _check_shape(shape: Sequence[int]) -> tuple[int, ...]:
    shape = tuple(int(d) for d in shape)
    if not shape or min(shape) < 1:
        raise ConfigError(f"tensor shape must be a non-empty list of positive mode sizes, got {list(shape)}.")
    return shape


def make_target(
    shape: Sequence[int],
    rank: int,
    seed: int | np.random.Generator,
    fro_norm: float = 1.0,
    super_symmetric: bool = False,
) -> np.ndarray:
    """Random CP-rank-``rank`` ground truth of Frobenius norm ``fro_norm`` (float64).

    Each mode gets a ``d_n × rank`` factor of i.i.d. N(0, 1) entries (the original generator's recipe), the
    tensor is their CP reconstruction rescaled to the requested norm. ``super_symmetric`` shares one factor
    across all modes (all mode sizes must then be equal), giving a symmetric tensor.
    """
    shape = _check_shape(shape)
    if rank < 1:
        raise ConfigError(f"make_target: the CP rank must be >= 1, got {rank}.")
    if super_symmetric and len(set(shape)) != 1:
        raise ConfigError(f"make_target: a super-symmetric target needs equal mode sizes, got {list(shape)}.")
    factors = random_cp_factors(shape, rank, seed, shared=super_symmetric)
    tensor = cp_reconstruct_np(factors) if len(shape) > 1 else factors[0].sum(1)
    return tensor * (float(fro_norm) / np.linalg.norm(tensor))


def make_completion_data(target: np.ndarray, num_samples: int, seed: int | np.random.Generator) -> dict[str, Any]:
    """Observed entries: a uniformly random permutation of all flat (C-order) indices, the first m kept.

    Stored as flat indices + values (never one-hot sensing tensors: those cost 10⁴× the memory and time).
    The set is nested in m for a fixed seed, as in the original (it takes a prefix of one permutation).
    """
    if not 1 <= num_samples <= target.size:
        raise ConfigError(f"completion: num_samples must be in [1, {target.size}], got {num_samples}.")
    idx = as_generator(seed).permutation(target.size)[:num_samples].astype(np.int64)
    return {"indices": idx, "values": target.reshape(-1)[idx].astype(np.float64)}


def make_sensing_tensors(
    shape: Sequence[int], num_samples: int, seed: int | np.random.Generator, cp_rank: int | None = None
) -> np.ndarray:
    """Measurement tensors, flattened to ``[m, #entries]`` (float64).

    ``cp_rank=None``: i.i.d. N(0, 1/#entries) entries (so E‖X_i‖² = 1). ``cp_rank=k``: each X_i is a random
    CP-rank-k tensor (Gaussian factors) rescaled to unit Frobenius norm. Memory is m·#entries·8 bytes (160 MB
    for m = 2000 at 10⁴ entries); regenerate from the seed rather than saving them.
    """
    shape = _check_shape(shape)
    numel = math.prod(shape)
    if num_samples < 1:
        raise ConfigError(f"sensing: num_samples must be >= 1, got {num_samples}.")
    rng = as_generator(seed)
    if cp_rank is None:
        return rng.standard_normal((num_samples, numel)) / math.sqrt(numel)
    if cp_rank < 1:
        raise ConfigError(f"sensing: the measurement tensors' CP rank must be >= 1, got {cp_rank}.")
    factors = [torch.from_numpy(rng.standard_normal((num_samples, d, cp_rank))) for d in shape]
    flat = cp_reconstruct(factors).reshape(num_samples, numel).numpy()
    return flat / np.linalg.norm(flat, axis=1, keepdims=True)


def make_dataset(
    shape: Sequence[int],
    rank: int,
    num_samples: int,
    seed: int,
    task: Task = "completion",
    sensing_rank: int | None = None,
    super_symmetric: bool = False,
    fro_norm: float = 1.0,
) -> dict[str, Any]:
    """One E1 dataset: ground truth + observations, a pure function of its arguments.

    The seed is split (``SeedSequence.spawn``) into one stream for the target and one for the observations,
    so changing m or the task keeps the same W*. Returns ``{"task", "shape", "target" [shape],
    "values" [m], "indices" [m] (completion) | "sensing" [m, #entries] (sensing)}``; for sensing
    ``values[i] = <X_i, W*>``.
    """
    shape = _check_shape(shape)
    target_ss, obs_ss = np.random.SeedSequence(int(seed)).spawn(2)
    target = make_target(shape, rank, np.random.default_rng(target_ss), fro_norm, super_symmetric)
    out: dict[str, Any] = {"task": task, "shape": list(shape), "target": target}
    if task == "completion":
        out.update(make_completion_data(target, num_samples, np.random.default_rng(obs_ss)))
    elif task == "sensing":
        sensing = make_sensing_tensors(shape, num_samples, np.random.default_rng(obs_ss), sensing_rank)
        out["sensing"] = sensing
        out["values"] = sensing @ target.reshape(-1)
    else:
        raise ConfigError(f"task must be 'completion' or 'sensing', got {task!r}.")
    return out


# ----------------------------------------------------------------------------------------------------------
# Losses and metrics (torch, batched over runs)
# ----------------------------------------------------------------------------------------------------------


def per_run_loss(pred: Tensor, y: Tensor, loss: LossName = "l2", huber_beta: float = 1.0) -> Tensor:
    """Mean loss over the observations, per run: ``pred [runs, m]``, ``y [m]`` → ``[runs]``.

    l2 = mean squared error (the paper), l1 = mean absolute error, huber = torch's SmoothL1 with threshold β
    (½d²/β for |d| < β, |d| − ½β otherwise; the original's ``--huber_loss_thresh``, default 1).
    """
    diff = pred - y
    if loss == "l2":
        return diff.square().mean(-1)
    if loss == "l1":
        return diff.abs().mean(-1)
    if loss == "huber":
        return F.smooth_l1_loss(pred, y.expand_as(pred), reduction="none", beta=float(huber_beta)).mean(-1)
    raise ConfigError(f"loss must be one of {LOSSES}, got {loss!r}.")


def top_component_norms(factors: Sequence[Tensor], k: int = 10) -> Tensor:
    """The ``min(k, R)`` largest component norms per run, sorted descending (ranks, not identities)."""
    norms = component_norms(factors)
    return torch.topk(norms, min(int(k), norms.shape[-1]), dim=-1, sorted=True).values


def _predict(factors: Sequence[Tensor], dataset: Mapping[str, Tensor]) -> tuple[Tensor, Tensor]:
    """Full tensors ``[runs, #entries]`` and the predictions on the observations ``[runs, m]``."""
    full = cp_reconstruct(factors).reshape(factors[0].shape[0], -1)
    if "indices" in dataset:
        return full, full[:, dataset["indices"]]
    return full, full @ dataset["sensing"].T


def _stop_metric_loss(pred: Tensor, y: Tensor, loss: LossName, huber_beta: float) -> Tensor:
    """Per-run scalar whose *value* is the train MSE and whose *gradient* is the training loss's.

    The original stops on the train MSE whatever loss it trains with (``StopOnZeroTrainLoss`` reads
    ``mse_loss``). The engine stops on the value its loss function returns and steps along its gradient, so
    this returns ``mse + (obj − obj.detach())``: value = MSE exactly, gradient = ∇obj. For l2 it is the MSE.
    """
    mse = per_run_loss(pred, y, "l2")
    if loss == "l2":
        return mse
    obj = per_run_loss(pred, y, loss, huber_beta)
    return mse.detach() + (obj - obj.detach())


# ----------------------------------------------------------------------------------------------------------
# Training
# ----------------------------------------------------------------------------------------------------------


def _as_list(x: float | int | Sequence, n: int, name: str) -> list:
    if isinstance(x, int | float):
        return [x] * n
    out = list(x)
    if len(out) != n:
        raise ConfigError(f"train_dynamics: {name} has {len(out)} entries for {n} runs.")
    return out


def _torch_dataset(dataset: Mapping[str, Any], dtype: torch.dtype, device: str | torch.device) -> dict[str, Tensor]:
    out = {
        "target": torch.as_tensor(np.asarray(dataset["target"]).reshape(-1), dtype=dtype, device=device),
        "values": torch.as_tensor(np.asarray(dataset["values"]), dtype=dtype, device=device),
    }
    if "indices" in dataset:
        out["indices"] = torch.as_tensor(np.asarray(dataset["indices"]), dtype=torch.long, device=device)
    elif "sensing" in dataset:
        out["sensing"] = torch.as_tensor(np.asarray(dataset["sensing"]), dtype=dtype, device=device)
    else:
        raise ConfigError("train_dynamics: the dataset needs 'indices' (completion) or 'sensing' (sensing).")
    return out


def _recon_error(full: Tensor, target: Tensor) -> Tensor:
    """‖W − W*‖/‖W*‖ per run, in float64 (so float32 runs are not judged with float32 arithmetic)."""
    t = target.to(torch.float64)
    return (full.to(torch.float64) - t).norm(dim=1) / t.norm()


def train_dynamics(
    dataset: Mapping[str, Any],
    init_stds: Sequence[float],
    seeds: int | Sequence[int] = 0,
    opts: TrainOptions = PAPER_OPTIONS,
    *,
    R: int | None = None,
    init_mean: float = 0.0,
    loss: LossName = "l2",
    huber_beta: float = 1.0,
    top_k: int = 10,
    return_factors: bool = False,
) -> dict[str, Any]:
    """Train one CP factorization per (init std, seed) on ``dataset`` (from :func:`make_dataset`), batched.

    Defaults are the paper's: R = max rank, N(0, σ²) init, MSE, adaptive step with lr 0.01, and the stopping
    rule on the train MSE (check every 25, stop after > 50 consecutive checks below 1e-8, cap 1e6 steps;
    NaN raises :class:`~implreg.errors.DivergenceError`). ``opts.lr`` may be one value or one per run. With
    ``loss`` l1/huber the runs train on that loss but still stop on (and log under ``log_mse``) the train
    MSE, as the original does; the training loss is logged as ``log_objective``. ``seeds`` as an int gives
    every run the same seed (the same init direction scaled by σ). Each run's init depends only on its own
    (σ, seed, mean).

    Returns (run axis first, in ``init_stds`` order; history columns are log points, NaN once a run stopped):
    ``init_std, seed [runs]``, ``R``, ``steps int64 [runs]``, ``converged bool [runs]``,
    ``final_mse, final_objective, final_recon_error [runs]``, ``final_top_norms [runs, k]``,
    ``log_step int64 [n]``, ``log_mse, log_objective, log_recon_error [runs, n]``, ``log_top_norms
    [runs, n, k]``, ``wall_s``; with ``return_factors`` also ``factor_<n> [runs, d_n, R]`` (float64).
    """
    n_runs = len(init_stds)
    if n_runs == 0:
        raise ConfigError("train_dynamics: init_stds is empty.")
    if loss not in LOSSES:
        raise ConfigError(f"train_dynamics: loss must be one of {LOSSES}, got {loss!r}.")
    seed_list = [int(s) for s in _as_list(seeds, n_runs, "seeds")]
    dtype, device = opts.torch_dtype, opts.device
    lrs = torch.as_tensor(_as_list(opts.lr, n_runs, "lr"), dtype=dtype)
    shape = _check_shape(np.asarray(dataset["target"]).shape)
    R = default_cp_components(shape) if R is None else int(R)
    data = _torch_dataset(dataset, dtype, device)
    params = init_cp_factors(shape, R, [float(s) for s in init_stds], seed_list, dtype)
    params = [(p + float(init_mean)).to(device) for p in params]

    def loss_fn(ps: list[Tensor], _run_data: list[Tensor]) -> Tensor:
        _, pred = _predict(ps, data)
        return _stop_metric_loss(pred, data["values"], loss, huber_beta)

    def log_fn(_t: int, _ids: Tensor, ps: list[Tensor], _ld: Tensor) -> dict[str, Tensor]:
        full, pred = _predict(ps, data)
        row = {
            "recon_error": _recon_error(full, data["target"]),
            "objective": per_run_loss(pred, data["values"], loss, huber_beta),
        }
        top = top_component_norms(ps, top_k)
        row.update({f"norm_{j}": top[:, j] for j in range(top.shape[1])})
        return row

    t0 = time.monotonic()
    res = train_batched(params, loss_fn, opts.replace(lr=lrs), log_fn=log_fn)
    wall = time.monotonic() - t0
    out: dict[str, Any] = {
        "init_std": np.asarray(init_stds, dtype=np.float64),
        "seed": np.asarray(seed_list, dtype=np.int64),
        "R": R,
        "steps": res.steps,
        "converged": res.converged,
        "wall_s": wall,
    }
    out.update(_final_metrics(res.params, data, loss, huber_beta, top_k))
    out.update(history_arrays(res.history, n_runs, _LOG_COLUMNS, {"log_top_norms": ("norm_", min(top_k, R))}))
    if return_factors:
        out.update({f"factor_{n}": p.to(torch.float64).cpu().numpy() for n, p in enumerate(res.params)})
    return out


# The engine's history columns → this module's log arrays (top-k norms: columns norm_0.. stacked).
_LOG_COLUMNS = {"loss": "log_mse", "objective": "log_objective", "recon_error": "log_recon_error"}


def _final_metrics(
    params: list[Tensor], data: Mapping[str, Tensor], loss: LossName, huber_beta: float, top_k: int
) -> dict[str, np.ndarray]:
    """Metrics of the final parameters (the run's state when it stopped, which no log point shows)."""
    with torch.no_grad():
        full, pred = _predict(params, data)
        return {
            "final_mse": per_run_loss(pred, data["values"], "l2").to(torch.float64).cpu().numpy(),
            "final_objective": per_run_loss(pred, data["values"], loss, huber_beta).to(torch.float64).cpu().numpy(),
            "final_recon_error": _recon_error(full, data["target"]).cpu().numpy(),
            "final_top_norms": top_component_norms(params, top_k).to(torch.float64).cpu().numpy(),
        }


def split_runs(result: Mapping[str, Any]) -> list[dict[str, Any]]:
    """One dict per run, histories cut to the log points where that run was still training (no NaN tail)."""
    runs = []
    for i in range(len(result["init_std"])):
        alive = np.isfinite(result["log_mse"][i])
        run: dict[str, Any] = {"R": result["R"], "log_step": result["log_step"][alive]}
        for key, val in result.items():
            if key in run or key == "log_step":
                continue
            if key.startswith("log_"):
                run[key] = val[i][alive]
            elif isinstance(val, np.ndarray) and val.ndim >= 1:
                run[key] = val[i]
        runs.append(run)
    return runs

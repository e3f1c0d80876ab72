"""CP tensor factorization for tensor completion (Fig. 2 / App. B of Razin & Cohen 2020).

Model: ``X = Σ_r a¹_r ⊗ a²_r ⊗ … ⊗ aᴺ_r`` with one ``d_n × R`` factor per mode, trained on the mean squared
error over the observed entries. Many runs (different N, init scale, seed) train together through
:func:`implreg.engine.train_batched`; each run's factors are drawn from its own seeded generator, so a
run's result does not depend on which other runs share its batch.
"""

from __future__ import annotations

import math
import string
from collections.abc import Sequence

import numpy as np
import torch
from torch import Tensor

from implreg.cp_shapes import default_cp_components
from implreg.engine import TrainOptions, train_batched
from implreg.errors import ConfigError

_MODE_LETTERS = string.ascii_lowercase[:20]  # 'z' = runs and 'y' = rank are kept free


def _cp_equation(order: int, batched: bool) -> str:
    if order > len(_MODE_LETTERS):
        raise ConfigError(f"CP order {order} is above the supported {len(_MODE_LETTERS)}.")
    run = "z" if batched else ""
    modes = _MODE_LETTERS[:order]
    return ",".join(f"{run}{m}y" for m in modes) + f"->{run}{modes}"


def khatri_rao(factors: Sequence[Tensor]) -> Tensor:
    """Row-wise Khatri-Rao product of ``[runs, d_n, R]`` factors → ``[runs, Π d_n, R]`` (C order over modes)."""
    out = factors[0]
    for f in factors[1:]:
        out = (out[:, :, None, :] * f[:, None, :, :]).reshape(out.shape[0], -1, out.shape[-1])
    return out


def cp_reconstruct(factors: Sequence[Tensor], batched: bool = True) -> Tensor:
    """Full tensor from CP factors.

    batched=True:  factors ``[runs, d_n, R]`` → ``[runs, d_1, …, d_N]``.
    batched=False: factors ``[d_n, R]`` → ``[d_1, …, d_N]``.

    Computed as ``KR(first half) @ KR(second half)ᵀ`` (one batched matmul) rather than one N-operand einsum:
    same numbers, but forward+backward is ~4x faster at order 4, R = 512 (torch's einsum contracts left to
    right and materialises a ``[runs, d^3, R]`` outer product, then backpropagates through it).
    """
    if not batched:
        return cp_reconstruct([f.unsqueeze(0) for f in factors], batched=True).squeeze(0)
    shape = (factors[0].shape[0], *tuple(f.shape[1] for f in factors))
    if len(factors) == 1:
        return factors[0].sum(-1)
    half = len(factors) // 2
    left, right = khatri_rao(factors[:half]), khatri_rao(factors[half:])
    return torch.bmm(left, right.transpose(1, 2)).reshape(shape)


def cp_reconstruct_elements(shape: Sequence[int], R: int) -> int:
    """Elements one run of :func:`cp_reconstruct` holds at once (both Khatri-Rao halves and the full tensor; the
    backward pass keeps them): a lower bound on its memory, for refusing sizes before a job runs."""
    shape = [int(d) for d in shape]
    if len(shape) == 1:
        return shape[0] * int(R) + shape[0]
    half = len(shape) // 2
    return (math.prod(shape[:half]) + math.prod(shape[half:])) * int(R) + math.prod(shape)


def cp_reconstruct_np(factors: Sequence[np.ndarray]) -> np.ndarray:
    """Numpy version of the unbatched :func:`cp_reconstruct` (factors ``[d_n, R]``)."""
    return np.einsum(_cp_equation(len(factors), False), *factors, optimize=True)


def as_generator(seed: int | np.random.Generator) -> np.random.Generator:
    """A numpy Generator: ``seed`` itself, or a fresh one seeded with it."""
    return seed if isinstance(seed, np.random.Generator) else np.random.default_rng(int(seed))


def random_cp_factors(
    shape: Sequence[int], rank: int, seed: int | np.random.Generator, shared: bool = False
) -> list[np.ndarray]:
    """The draw behind every random CP ground truth: i.i.d. N(0, 1) factors ``[d_n, rank]``, mode by mode.

    ``shared``: one factor, drawn once, for every mode (a super-symmetric tensor; equal mode sizes). Each
    caller then builds and rescales its tensor in its own (published) arithmetic, which this leaves alone.
    """
    rng = as_generator(seed)
    if shared:
        return [rng.standard_normal((shape[0], rank))] * len(shape)
    return [rng.standard_normal((d, rank)) for d in shape]


def make_cp_target(order: int, dim: int, rank: int, seed: int, dtype=np.float64) -> tuple[np.ndarray, np.ndarray]:
    """Random CP-rank-``rank`` tensor with ‖T‖_F = 1, and a random permutation of its flat (C-order) indices.

    Same recipe as the original generator (Gaussian factors per mode, reconstruct, rescale), but seeded.
    The first N entries of the permutation are the training set for N observations (nested in N).
    """
    if order < 1 or dim < 1 or rank < 1:
        raise ConfigError(f"make_cp_target: need order, dim, rank >= 1, got {order}, {dim}, {rank}.")
    rng = np.random.default_rng(seed)
    tensor = cp_reconstruct_np(random_cp_factors([dim] * order, rank, rng))
    tensor = tensor / np.linalg.norm(tensor)
    perm = rng.permutation(tensor.size)
    return tensor.astype(dtype), perm


def linear_baseline(target: np.ndarray, observed: np.ndarray) -> np.ndarray:
    """The "linear" model: observed entries copied, zeros elsewhere (GD on the tensor itself from zero init)."""
    out = np.zeros_like(target)
    flat_idx = np.asarray(observed, dtype=np.int64)
    out.reshape(-1)[flat_idx] = target.reshape(-1)[flat_idx]
    return out


def reconstruction_error(x: np.ndarray, t: np.ndarray) -> float:
    """Relative Frobenius error ‖X − T‖_F / ‖T‖_F over all entries (observed included)."""
    return float(np.linalg.norm(np.asarray(x, np.float64) - t) / np.linalg.norm(np.asarray(t, np.float64)))


def _observation_weights(observed: Sequence[np.ndarray], numel: int) -> np.ndarray:
    """Per-run weights over the flat tensor: 1/N_run on observed entries, 0 elsewhere (loss = masked MSE)."""
    w = np.zeros((len(observed), numel))
    for i, idx in enumerate(observed):
        idx = np.asarray(idx, dtype=np.int64).reshape(-1)
        if idx.size == 0:
            raise ConfigError(f"train_cp_completion: run {i} has no observed entries.")
        if idx.min() < 0 or idx.max() >= numel or np.unique(idx).size != idx.size:
            raise ConfigError(f"train_cp_completion: run {i} has out-of-range or repeated flat indices.")
        w[i, idx] = 1.0 / idx.size
    return w


def init_cp_factors(
    shape: Sequence[int], R: int, init_stds: Sequence[float], seeds: Sequence[int], dtype: torch.dtype = torch.float64
) -> list[Tensor]:
    """Per-run i.i.d. N(0, std²) factors ``[runs, d_n, R]``; run i uses only torch.Generator(seed_i).

    Drawn in float64 and then cast, so a run starts from the same point (up to rounding) in either dtype.
    """
    per_run = []
    for std, seed in zip(init_stds, seeds, strict=True):
        gen = torch.Generator().manual_seed(int(seed))
        per_run.append([torch.randn(d, R, generator=gen, dtype=torch.float64) * float(std) for d in shape])
    return [torch.stack([run[m] for run in per_run]).to(dtype) for m in range(len(shape))]


# The norms paper's tensor completion runs (its appendix): scalar adaptive step, lr 1e-2; stop once the train
# MSE has been < 1e-6 at more than 2 checks (every 100 steps), at most 1e6 steps.
COMPLETION_OPTIONS = TrainOptions(
    stop_loss=1e-6, check_every=100, stop_patience=2, max_steps=1_000_000, num_threads=1, progress_label="cp"
)


def train_cp_completion(
    target: np.ndarray,
    observed: Sequence[np.ndarray],
    init_stds: Sequence[float],
    seeds: Sequence[int],
    R: int | None = None,
    opts: TrainOptions = COMPLETION_OPTIONS,
    run_names: Sequence[str] | None = None,
) -> dict:
    """Fit one CP factorization per run to that run's observed entries of ``target``, all runs batched.

    observed: one array of flat C-order indices per run (lengths may differ).
    opts: the step and stopping rules, dtype, device, threads, checkpoint. num_threads default 1: as fast as 2
    at order 3 and ~1.4x slower at order 4 on an idle 2-core box, but immune to the 10-50x slowdown torch's
    thread pool suffers when other jobs share the cores (see :func:`implreg.engine.torch_threads`).
    Returns ``{"tensors": [runs, *target.shape] float64, "steps": int64 [runs], "converged": bool [runs],
    "final_mse": float64 [runs] (observed-entry MSE of the final tensor), "R": int}``.
    """
    target = np.asarray(target, dtype=np.float64)
    n_runs = len(observed)
    if not (len(init_stds) == len(seeds) == n_runs) or n_runs == 0:
        raise ConfigError(
            f"train_cp_completion: observed/init_stds/seeds must be non-empty with equal lengths, "
            f"got {n_runs}, {len(init_stds)}, {len(seeds)}."
        )
    R = default_cp_components(target.shape) if R is None else int(R)
    dtype, device = opts.torch_dtype, opts.device
    weights = torch.as_tensor(_observation_weights(observed, target.size), dtype=dtype, device=device)
    t_flat = torch.as_tensor(target.reshape(-1), dtype=dtype, device=device)
    params = [f.to(device) for f in init_cp_factors(target.shape, R, init_stds, seeds, dtype)]

    def loss_per_run(ps: list[Tensor], data: list[Tensor]) -> Tensor:
        x = cp_reconstruct(ps).reshape(ps[0].shape[0], -1)
        return ((x - t_flat).square() * data[0]).sum(1)

    res = train_batched(params, loss_per_run, opts, run_data=[weights], run_names=run_names)
    with torch.no_grad():
        tensors = cp_reconstruct(res.params).to(torch.float64).cpu().numpy()
    return {"tensors": tensors, "steps": res.steps, "converged": res.converged, "final_mse": res.final_loss, "R": R}

"""CP-rank estimate: the smallest r for which CP-ALS fits the tensor to a per-entry MSE tolerance.

This is an *approximate* rank (the paper's protocol): with ‖T‖_F = 1 and tol 1e-6 the criterion is a
relative Frobenius error of about √(1e-6·numel) (≈0.023 for 8³, ≈0.064 for 8⁴).
Pure numpy; every random start is seeded from (seed, r, restart), so estimates are reproducible.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np

from implreg.errors import ConfigError


def _khatri_rao(mats: Sequence[np.ndarray]) -> np.ndarray:
    """Row-wise Khatri-Rao product ``[Π d_m, r]`` in C order (first matrix varies slowest)."""
    out = mats[0]
    for m in mats[1:]:
        out = (out[:, None, :] * m[None, :, :]).reshape(-1, out.shape[1])
    return out


def _unfoldings(tensor: np.ndarray) -> list[np.ndarray]:
    """Mode-n unfoldings ``[d_n, Π_{m≠n} d_m]``, remaining modes in original (C) order, to match _khatri_rao."""
    return [np.moveaxis(tensor, n, 0).reshape(tensor.shape[n], -1) for n in range(tensor.ndim)]


def _solve_gram(gram: np.ndarray, rhs: np.ndarray) -> np.ndarray:
    """``rhs @ gram⁻¹`` for the symmetric PSD Gram matrix; pseudo-inverse when it is (near) singular."""
    try:
        out = np.linalg.solve(gram, rhs.T).T
        if np.all(np.isfinite(out)):
            return out
    except np.linalg.LinAlgError:
        pass
    return rhs @ np.linalg.pinv(gram, hermitian=True)


def cp_als(
    tensor: np.ndarray,
    rank: int,
    max_sweeps: int = 1000,
    tol_mse: float = 1e-6,
    seed: int | Sequence[int] = 0,
    stall_window: int = 50,
    stall_rtol: float = 1e-4,
) -> tuple[list[np.ndarray], float]:
    """Standard CP-ALS from a seeded Gaussian start. Returns (factors ``[d_n, rank]``, per-entry MSE).

    Each sweep solves every mode in turn by least squares (MTTKRP / Hadamard of Gram matrices) and
    normalises the columns of the solved factor (the norms live in the next solve / the returned last factor).
    Stops early when MSE < tol_mse, or when the fit stalls: MSE fell by less than a fraction ``stall_rtol``
    over the last ``stall_window`` sweeps (a failed fit then costs ~window sweeps instead of max_sweeps;
    stall_rtol=0 disables this). Raises np.linalg.LinAlgError on numerical failure.
    """
    x = np.asarray(tensor, dtype=np.float64)
    if x.ndim < 2:
        raise ConfigError(f"cp_als needs a tensor of order >= 2, got shape {x.shape}.")
    rng = np.random.default_rng(seed)
    factors = [rng.standard_normal((d, rank)) for d in x.shape]
    unf = _unfoldings(x)
    grams = [f.T @ f for f in factors]
    history: list[float] = []
    mse = math.inf
    last = x.ndim - 1
    for sweep in range(max_sweeps):
        for n in range(x.ndim):
            others = [factors[m] for m in range(x.ndim) if m != n]
            kr = _khatri_rao(others)
            gram = np.prod([grams[m] for m in range(x.ndim) if m != n], axis=0)
            f = _solve_gram(gram, unf[n] @ kr)
            if n == last:  # residual of the full model, before normalising (norms sit in this factor)
                mse = float(np.mean((unf[n] - f @ kr.T) ** 2))
            else:
                norms = np.linalg.norm(f, axis=0)
                f = f / np.where(norms > 0, norms, 1.0)
            factors[n] = f
            grams[n] = f.T @ f
        if not math.isfinite(mse):
            raise np.linalg.LinAlgError(f"CP-ALS produced a non-finite fit at sweep {sweep} (rank {rank}).")
        history.append(mse)
        if mse < tol_mse:
            break
        if stall_rtol > 0 and len(history) > stall_window:
            old = history[-1 - stall_window]
            if old - mse < stall_rtol * old:
                break
    return factors, mse


def _fits(
    tensor: np.ndarray,
    r: int,
    tol_mse: float,
    max_sweeps: int,
    restarts: int,
    seed: int,
    stall_window: int,
    stall_rtol: float,
) -> bool:
    """Whether any of `restarts` seeded CP-ALS starts with r components reaches MSE < tol_mse."""
    for k in range(restarts):
        _, mse = cp_als(
            tensor,
            r,
            max_sweeps=max_sweeps,
            tol_mse=tol_mse,
            seed=(seed, r, k),
            stall_window=stall_window,
            stall_rtol=stall_rtol,
        )
        if mse < tol_mse:
            return True
    return False


def estimate_cp_rank(
    tensor: np.ndarray,
    max_rank: int,
    tol_mse: float = 1e-6,
    max_sweeps: int = 1000,
    restarts: int = 3,
    seed: int = 0,
    stall_window: int = 50,
    stall_rtol: float = 1e-4,
) -> int | float:
    """Smallest r in [1, max_rank] for which CP-ALS (best of `restarts` starts) reaches per-entry MSE < tol_mse.

    Binary search, which assumes success is monotone in r (true for exact fits; for ALS with few restarts
    it is an approximation, as in the original protocol). Like the original, r = max_rank itself is never
    fitted: if every smaller r fails, max_rank is returned. All-zero tensor → 0.
    Numerical failure (LinAlgError, non-finite input) → NaN, never a sentinel that could enter a median.
    """
    x = np.asarray(tensor, dtype=np.float64)
    if max_rank < 1:
        raise ConfigError(f"estimate_cp_rank: max_rank must be >= 1, got {max_rank}.")
    if not np.all(np.isfinite(x)):
        return float("nan")
    if not np.any(x):
        return 0
    lo, hi = 1, int(max_rank)
    try:
        while lo < hi:
            mid = (lo + hi) // 2
            if _fits(x, mid, tol_mse, max_sweeps, restarts, seed, stall_window, stall_rtol):
                hi = mid
            else:
                lo = mid + 1
    except np.linalg.LinAlgError:
        return float("nan")
    return lo

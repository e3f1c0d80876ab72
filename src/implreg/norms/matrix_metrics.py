"""Norms and rank surrogates of (batches of) matrices, as the norms paper's theorem discusses them."""

from __future__ import annotations

import numpy as np


def singular_values(mats: np.ndarray) -> np.ndarray:
    """Singular values (descending) of every matrix in a [..., m, n] array."""
    return np.linalg.svd(np.asarray(mats, dtype=np.float64), compute_uv=False)


def schatten(sv: np.ndarray, p: float) -> np.ndarray:
    """Schatten-p (quasi-)norm from singular values: (sum s^p)^(1/p); p=1 nuclear, p=2 Frobenius."""
    return np.sum(sv**p, axis=-1) ** (1.0 / p)


def effective_rank(sv: np.ndarray) -> np.ndarray:
    """Roy & Vetterli's effective rank exp(H(s / sum s)); 1 for a rank-1 matrix, d for the identity."""
    total = np.sum(sv, axis=-1, keepdims=True)
    with np.errstate(divide="ignore", invalid="ignore"):
        p = np.where(total > 0, sv / total, 0.0)
        ent = -np.sum(np.where(p > 0, p * np.log(p), 0.0), axis=-1)
    return np.exp(ent)


def matrix_metrics(mats: np.ndarray, schatten_p: float = 0.5) -> dict[str, np.ndarray]:
    """Frobenius, nuclear, spectral, Schatten-p quasi-norm, effective rank and sigma_min.

    For 2 x 2 matrices sigma_min is the distance (Frobenius or spectral) to the nearest rank-1 matrix.
    """
    sv = singular_values(mats)
    return {
        "frobenius": np.sqrt(np.sum(sv**2, axis=-1)),
        "nuclear": np.sum(sv, axis=-1),
        "spectral": sv[..., 0],
        f"schatten_{schatten_p:g}": schatten(sv, schatten_p),
        "effective_rank": effective_rank(sv),
        "sigma_min": sv[..., -1],
    }

"""Norms paper, Fig. 2 and appendix B: CP tensor completion runs -> errors and CP ranks -> claims."""

from __future__ import annotations

import numpy as np

from implreg.cp import default_cp_components, linear_baseline, reconstruction_error
from implreg.cp_rank import estimate_cp_rank


def run_seed(base: int, num_obs: int, rep: int, init_index: int) -> int:
    """Seed of one run, a pure function of its coordinates (so it is independent of batching)."""
    return int(np.random.SeedSequence([base, num_obs, rep, init_index]).generate_state(1)[0])


def run_grid(num_observations: list[int], repetitions: int, base_seed: int, init_index: int) -> list[dict]:
    return [
        {"num_obs": int(n), "rep": rep, "seed": run_seed(base_seed, int(n), rep, init_index)}
        for n in num_observations
        for rep in range(repetitions)
    ]


def measure_runs(target, tensors, grid, steps, converged, rank_kw: dict) -> list[dict]:
    """Reconstruction error and estimated CP rank of every trained tensor."""
    R = default_cp_components(target.shape)
    rows = []
    for i, g in enumerate(grid):
        rows.append(
            {
                **g,
                "steps": int(steps[i]),
                "converged": bool(converged[i]),
                "error": reconstruction_error(tensors[i], target),
                "rank": estimate_cp_rank(tensors[i], R, **rank_kw),
            }
        )
    return rows


def measure_linear(target, perm, num_observations, rank_kw: dict) -> list[dict]:
    """The zero-filled linear baseline per N (deterministic: measured once), plus the target's own rank."""
    R = default_cp_components(target.shape)
    rows = [{"num_obs": 0, "what": "target", "error": 0.0, "rank": estimate_cp_rank(target, R, **rank_kw)}]
    for n in num_observations:
        lin = linear_baseline(target, perm[: int(n)])
        rows.append(
            {
                "num_obs": int(n),
                "what": "linear",
                "error": reconstruction_error(lin, target),
                "rank": estimate_cp_rank(lin, R, **rank_kw),
            }
        )
    return rows


def median_iqr(rows: list[dict], key: str) -> dict[int, tuple[float, float, float]]:
    """Per N: (25th percentile, median, 75th percentile) of `key`, NaN ranks ignored."""
    out = {}
    for n in sorted({r["num_obs"] for r in rows}):
        vals = np.array([r[key] for r in rows if r["num_obs"] == n], dtype=float)
        vals = vals[np.isfinite(vals)]
        out[n] = tuple(np.percentile(vals, [25, 50, 75])) if vals.size else (np.nan,) * 3
    return out

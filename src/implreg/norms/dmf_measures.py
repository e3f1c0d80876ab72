"""Norms paper, Fig. 1 and appendix A: histories -> measured tables -> claims.

The theorem: on the 2x2 problem with det(W) of the "wrong" sign, gradient flow sends |w11| (and
every norm) to infinity like 1/sqrt(2*loss) while the rank surrogates fall to those of rank 1.
"""

from __future__ import annotations

import numpy as np

from implreg.io import read_npz
from implreg.norms.dmf import CONVERGED, DMFHistory, DMFRun
from implreg.norms.matrix_metrics import matrix_metrics

MARKER_LOSSES = (1.3e-1, 1.3e-2, 1.3e-3, 1.3e-4)
NORM_KEYS = ("frobenius", "nuclear", "spectral")


def save_history(path, history: DMFHistory) -> None:
    from implreg.io import write_npz

    write_npz(
        path,
        step=history.step,
        loss=history.loss,
        product=history.product,
        status=history.status,
        final_step=history.final_step,
        lr=np.array([r.lr for r in history.runs]),
        init=np.array([r.init for r in history.runs]),
        balanced=np.array([r.balanced for r in history.runs]),
        seed=np.array([r.seed for r in history.runs]),
    )


def load_history(path) -> DMFHistory:
    with read_npz(path) as z:
        runs = [
            DMFRun(float(lr), float(i), bool(b), int(s))
            for lr, i, b, s in zip(z["lr"], z["init"], z["balanced"], z["seed"], strict=True)
        ]
        return DMFHistory(
            step=z["step"],
            loss=z["loss"],
            product=z["product"],
            status=z["status"],
            final_step=z["final_step"],
            runs=runs,
        )


def _thin_indices(loss: np.ndarray, n_loss_levels: int = 300, n_even: int = 150) -> np.ndarray:
    """Indices that keep the curve's shape on a log-loss axis: evenly spaced in step and in log-loss."""
    n = len(loss)
    even = np.linspace(0, n - 1, min(n, n_even)).round().astype(int)
    running_min = np.minimum.accumulate(loss)
    hi, lo = np.log10(running_min[0]), np.log10(max(running_min[-1], 1e-300))
    levels = 10 ** np.linspace(hi, lo, n_loss_levels)
    # first index at which the running minimum falls below each level (running_min is non-increasing)
    first_below = np.searchsorted(-running_min, -levels, side="left").clip(0, n - 1)
    return np.unique(np.concatenate([even, first_below, [0, n - 1]]))


def measure(history: DMFHistory, schatten_p: float = 0.5) -> tuple[list[dict], list[dict]]:
    """Per-run thinned trajectories with all metrics, and per-run summaries (final values, markers)."""
    rows, summaries = [], []
    for r, run in enumerate(history.runs):
        ok = history.step[r] >= 0
        step, loss, prod = history.step[r][ok], history.loss[r][ok], history.product[r][ok]
        ident = {
            "run": r,
            "label": run.label,
            "lr": run.lr,
            "init": run.init,
            "balanced": run.balanced,
            "seed": run.seed,
        }
        idx = _thin_indices(loss)
        mets = matrix_metrics(prod[idx], schatten_p)
        det = np.linalg.det(prod[idx])
        for k, i in enumerate(idx):
            row = {
                **ident,
                "step": int(step[i]),
                "loss": float(loss[i]),
                "w11": float(prod[i, 0, 0]),
                "w12": float(prod[i, 0, 1]),
                "w21": float(prod[i, 1, 0]),
                "w22": float(prod[i, 1, 1]),
                "det": float(det[k]),
            }
            row.update({name: float(v[k]) for name, v in mets.items()})
            rows.append(row)
        final = matrix_metrics(prod[-1], schatten_p)
        markers = []
        for level in MARKER_LOSSES:
            hit = np.flatnonzero(loss < level)
            if hit.size:
                markers.append({"loss_level": level, "step": int(step[hit[0]]), "w11": float(prod[hit[0], 0, 0])})
        summaries.append(
            {
                **ident,
                "converged": bool(history.status[r] == CONVERGED),
                "final_step": int(history.final_step[r]),
                "final_loss": float(loss[-1]),
                "final_w11": float(prod[-1, 0, 0]),
                "final_w22": float(prod[-1, 1, 1]),
                "final_det": float(np.linalg.det(prod[-1])),
                **{f"final_{k}": float(v) for k, v in final.items()},
                "markers": markers,
            }
        )
    return rows, summaries

"""Figures of the htf paper's dynamics experiment (E1), drawn from the training histories."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import matplotlib.pyplot as plt
import numpy as np

from implreg.htf.dynamics import mat_key, node_key
from implreg.plotting.style import apply_style

PANEL_TITLES = {"mf": "matrix factorization", "cp": "tensor factorization", "ht": "hierarchical tensor factorization"}
PANEL_YLABELS = {"mf": "singular values", "cp": "component norms", "ht": "local component norms"}


def _curves(ax, steps: np.ndarray, values: np.ndarray, cmap: str, start_iter: int = 0) -> None:
    """Top-k curves, darkest = largest (the authors' colormaps); x from ``start_iter`` to the last log."""
    keep = np.asarray(steps) >= int(start_iter)
    values = np.asarray(values)[keep]
    k = values.shape[1] if values.ndim == 2 else 0
    colors = plt.get_cmap(cmap)
    for j in range(k - 1, -1, -1):
        ax.plot(np.asarray(steps)[keep], values[:, j], color=colors(j / max(k, 2)), lw=1.5)
    if keep.any():
        ax.set_xlim(float(np.asarray(steps)[keep][0]), float(np.asarray(steps)[keep][-1]))
    ax.set_xlabel("iterations")
    ax.set_ylim(bottom=0)


def plot_dynamics_figure(
    histories: Mapping[str, Mapping[str, Any]], subtitles: Mapping[str, str], start_iters: Mapping[str, int]
):
    """Main figure: one stacked panel per model (mf, cp, ht) with its top-k quantities vs iterations."""
    apply_style()
    models = list(histories)
    fig, axes = plt.subplots(len(models), 1, figsize=(7.8, 2.2 * len(models)), squeeze=False)
    for ax, model in zip(axes[:, 0], models, strict=True):
        hist = histories[model]
        _curves(ax, hist["log_step"], hist["log_top"], "summer", start_iters.get(model, 0))
        ax.set_title(f"{PANEL_TITLES[model]}  ({subtitles.get(model, '')})", fontsize=10)
        ax.set_ylabel(PANEL_YLABELS[model])
    fig.tight_layout()
    return fig


def plot_appendix_figure(
    hist: Mapping[str, Any], nodes: Sequence[Sequence[int]], matricizations: Sequence[Sequence[int]], start_iter: int
):
    """Appendix: HT local component norms at the given nodes, then top singular values of matricizations."""
    apply_style()
    n = len(nodes) + len(matricizations)
    fig, axes = plt.subplots(n, 1, figsize=(8.3, 2.1 * n), squeeze=False, sharex=True)
    rows = [(node_key(v), "summer", "node", v, "local component norms") for v in nodes]
    rows += [(mat_key(m), "viridis", "matricization", m, "singular values") for m in matricizations]
    for ax, (key, cmap, kind, modes, ylabel) in zip(axes[:, 0], rows, strict=True):
        _curves(ax, hist["log_step"], hist[f"log_{key}"], cmap, start_iter)
        ax.set_title(f"{kind} $\\{{{', '.join(str(m) for m in modes)}\\}}$", fontsize=10)
        ax.set_ylabel(ylabel)
    for ax in axes[:-1, 0]:
        ax.set_xlabel("")
    fig.tight_layout()
    return fig

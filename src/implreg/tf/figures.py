"""Figures of the tf paper, drawn from measured tables."""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np
from matplotlib.ticker import MaxNLocator

from implreg.incremental import converged_min_error
from implreg.plotting.style import apply_style, draw_paper_markers

VARIANT_STYLE = {
    "original": ("tab:blue", "o", "original"),
    "rand_images": ("tab:red", "^", "rand image"),
    "rand_labels": ("tab:purple", "D", "rand label"),
}
DATASET_TITLE = {"mnist": "MNIST", "fashion-mnist": "Fashion-MNIST"}


def plot_natural_figure(rows: list[dict], source_note: str = ""):
    """Fig. 4: train (solid) and test (dashed, faded) mean error vs tensor rank per data variant, with the
    variance of the labels; mean and population std over the one-vs-all tasks."""
    apply_style()
    datasets = sorted({r["dataset"] for r in rows}, key=lambda d: list(DATASET_TITLE).index(d))
    fig, axes = plt.subplots(1, len(datasets), figsize=(5.2 * len(datasets), 3.4), squeeze=False)
    for ax, ds in zip(axes[0], datasets, strict=True):
        sel = [r for r in rows if r["dataset"] == ds]
        for variant, (color, marker, name) in VARIANT_STYLE.items():
            for split, ls, alpha in (("train", "-", 1.0), ("test", "--", 0.5)):
                pts = sorted(
                    (r["R"], r["mean"], r["std"]) for r in sel if r["variant"] == variant and r["split"] == split
                )
                if not pts:
                    continue
                R, mean, std = zip(*pts, strict=True)
                ax.errorbar(
                    R,
                    mean,
                    yerr=std,
                    color=color,
                    marker=marker,
                    ls=ls,
                    alpha=alpha,
                    ms=4,
                    capsize=2,
                    label=f"{name} {split}",
                )
        var = [r["mean"] for r in sel if r["split"] == "variance" and r["variant"] == "original"]
        if var:
            # black and dash-dotted: apart from every variant's colour and from the train/test line styles
            ax.axhline(var[0], color="black", ls="-.", lw=1.2, label="variance of the labels")
        ax.xaxis.set_major_locator(MaxNLocator(integer=True))  # ranks are integers
        ax.set_xlabel("tensor rank")
        ax.set_ylabel("mean error")
        ax.set_ylim(bottom=0)
        ax.set_title(DATASET_TITLE.get(ds, ds) + (f" ({source_note})" if source_note else ""))
    handles, labels = axes[0, 0].get_legend_handles_labels()
    fig.legend(handles, labels, loc="center right", fontsize=7, frameon=False)
    fig.tight_layout(rect=(0, 0, 0.86, 1))
    return fig


INIT_STYLES = [("chocolate", "--"), ("tab:green", "-."), ("tab:blue", "-"), ("tab:purple", ":")]  # largest init first


def plot_dynamics_figure(
    runs: list[dict],
    min_loss: float,
    markers: list[dict] | None = None,
    instances: dict[int, list[dict]] | None = None,
    drawn_seed: int | None = None,
    stop_loss: float | None = None,
):
    """Fig. 3: top component norms vs iterations per init (one panel each, summer colormap, darkest = largest),
    titled with the final reconstruction error, plus the reconstruction error vs iterations for all inits.

    ``instances`` ({data seed: runs}): the other instances the claims are tested on, drawn thin and faded in
    the error panel beside the drawn one (``runs``, data seed ``drawn_seed``). ``markers``: the paper's points
    (paper_values.yaml, ``axes: -1`` = the error panel), drawn as hollow black diamonds. With ``stop_loss`` the
    titles add the lowest error once the train MSE is below it (the error at the stop depends on the phase of
    the adaptive step's oscillation at the minimum)."""

    apply_style()
    runs = sorted(runs, key=lambda r: -r["init_std"])
    fig, axes = plt.subplots(1, len(runs) + 1, figsize=(3.3 * (len(runs) + 1), 2.9))
    for ax, run in zip(axes[:-1], runs, strict=False):
        cut = plot_cut(run["log_step"], run["log_mse"], min_loss)
        keep = run["log_step"] <= cut
        norms = run["log_top_norms"][keep]
        k = norms.shape[1]
        cmap = plt.get_cmap("summer")
        for j in range(k - 1, -1, -1):
            ax.plot(run["log_step"][keep], norms[:, j], color=cmap(j / max(k, 2)), lw=1.4)
        title = f"init {run['init_std']:g} (reconst err: {run['final_recon_error']:.0e}"
        if stop_loss is not None:  # the lowest error once fit: the adaptive step oscillates at the minimum
            title += f"; min {converged_min_error(run['log_mse'], run['log_recon_error'], stop_loss):.0e}"
        ax.set_title(title + ")", fontsize=9)
        ax.set_xlabel("iterations")
        ax.set_ylabel("component norms")
        ax.set_ylim(bottom=0)
    ax = axes[-1]
    stds = [r["init_std"] for r in runs]
    others = {s: v for s, v in (instances or {}).items() if s != drawn_seed}
    for other in others.values():
        for run in other:
            if run["init_std"] not in stds:
                continue
            color, ls = INIT_STYLES[stds.index(run["init_std"]) % len(INIT_STYLES)]
            ax.plot(run["log_step"], run["log_recon_error"], color=color, ls=ls, lw=0.6, alpha=0.3)
    for i, run in enumerate(runs):
        color, ls = INIT_STYLES[i % len(INIT_STYLES)]
        ax.plot(run["log_step"], run["log_recon_error"], color=color, ls=ls, label=f"init {run['init_std']:.0e}")
    draw_paper_markers(ax, markers, axes_index=-1)
    ax.set_xlabel("iterations")
    ax.set_ylabel("reconstruction error")
    if others:
        ax.set_title(f"data seed {drawn_seed}; faint: seeds {', '.join(map(str, others))}", fontsize=8)
    all_runs = list(runs) + [r for v in others.values() for r in v]
    top = max(1.0, *(float(np.nanmax(r["log_recon_error"])) for r in runs))
    ax.set_ylim(0, 1.05 * top)
    ax.set_xlim(0, max(float(r["log_step"][-1]) for r in all_runs))
    ax.legend(fontsize=7)
    for a in axes:
        a.xaxis.set_major_locator(MaxNLocator(4))
    fig.tight_layout()
    return fig


def plot_cut(log_step: np.ndarray, log_mse: np.ndarray, min_loss: float) -> int:
    """Last iteration drawn: where the train MSE first falls below min_loss (the paper's x-axis cut)."""
    below = np.flatnonzero(log_mse < min_loss)
    return int(log_step[below[0]]) if below.size else int(log_step[-1])

"""Figures of the norms paper, drawn from the measured tables (never from training state)."""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np
from matplotlib.collections import LineCollection
from matplotlib.colors import LinearSegmentedColormap, Normalize

from implreg.plotting.style import apply_style, draw_paper_markers

RUN_MARKERS = ("o", "v", "^", "D", "s", "P", "X", "*")
MARKER_GREYS = ("0.15", "0.35", "0.55", "0.75", "0.25", "0.45", "0.65", "0.85")


def iteration_cmap():
    """Light blue -> black, like the paper's swapped, darkened copper_r."""
    return LinearSegmentedColormap.from_list("iters", ["#9fd3f0", "#3b6f9e", "#1b2f48", "#000000"])


def _runs(rows):
    out = {}
    for r in rows:
        out.setdefault(r["run"], []).append(r)
    return out


def draw_entry_panel(ax, rows, summaries, stop_loss, title, eps=0.0, norm=None, theory_label=None):
    """|w11| vs loss (log x, inverted), each run coloured by iteration, markers at loss milestones."""
    cmap = iteration_cmap()
    by_run = _runs(rows)
    max_step = max(r["step"] for r in rows)
    norm = norm or Normalize(1, max(max_step, 2))
    max_loss = max(r["loss"] for r in rows)
    for run, sel in sorted(by_run.items()):
        loss = np.array([r["loss"] for r in sel])
        w11 = np.abs([r["w11"] for r in sel])
        step = np.array([r["step"] for r in sel])
        # truncate right after the first point below the threshold, as the paper does
        below = np.flatnonzero(loss < stop_loss)
        end = below[0] + 1 if below.size else len(loss)
        pts = np.column_stack([loss[:end], w11[:end]])
        segs = np.stack([pts[:-1], pts[1:]], axis=1)
        lc = LineCollection(segs, cmap=cmap, norm=norm, linewidth=1.6)
        lc.set_array(step[1:end])
        ax.add_collection(lc)
        s = summaries[run]
        for level_i, m in enumerate(s["markers"]):
            if m["loss_level"] < stop_loss * 0.999:
                continue
            i = np.flatnonzero(loss < m["loss_level"])
            if i.size:
                ax.plot(
                    loss[i[0]],
                    w11[i[0]],
                    RUN_MARKERS[run % 8],
                    color=MARKER_GREYS[run % 8],
                    ms=5,
                    mec="k",
                    mew=0.4,
                    zorder=3,
                    label=s["label"] if level_i == 0 else None,
                )
    grid = np.geomspace(max_loss, stop_loss, 200)
    theory = 1.0 / (eps + np.sqrt(2 * grid))
    ax.plot(
        grid,
        theory,
        ls=":",
        color="tab:red",
        lw=1.0,
        label=theory_label or ("1/(ε+√(2ℓ))" if eps else "1/√(2ℓ)"),
        zorder=1,
    )
    ax.set_xscale("log")
    ax.set_xlim(max_loss, stop_loss)  # inverted: loss falls left to right
    top = max(np.abs([r["w11"] for r in rows]).max(), 1e-3)
    ax.set_ylim(0, top * 1.08)
    ax.set_xlabel("loss")
    ax.set_ylabel("|unobserved entry|")
    ax.set_title(title)
    return norm


def _colorbar(fig, ax, norm, max_step):
    sm = plt.cm.ScalarMappable(norm=norm, cmap=iteration_cmap())
    cb = fig.colorbar(sm, ax=ax, orientation="horizontal", pad=0.22, fraction=0.05, aspect=30)
    ticks = np.linspace(1, max_step, 4)
    cb.set_ticks(ticks)
    cb.set_ticklabels([f"{t:.2g}" for t in ticks])
    cb.set_label("iterations")


def markers_in_range(markers, x_min=None, x_max=None):
    """The paper markers whose points lie within [x_min, x_max] (points outside are dropped, not clipped)."""
    out = []
    for m in markers or []:
        keep = [
            i
            for i, x in enumerate(m["x"])
            if (x_min is None or x >= x_min * (1 - 1e-9)) and (x_max is None or x <= x_max * (1 + 1e-9))
        ]
        if keep:
            out.append({**m, "x": [m["x"][i] for i in keep], "y": [m["y"][i] for i in keep]})
    return out


def draw_flow(ax, flow_rows, flow_summaries, stop_loss):
    """The gradient flow of each run as a thin orange line, and an x where GD left it (issue 19)."""
    by_run = _runs(flow_rows)
    for i, (_run, sel) in enumerate(sorted(by_run.items())):
        loss = np.array([r["loss"] for r in sel])
        keep = loss >= stop_loss
        # thin and dashed, on top: where GD sits on its flow, GD's iteration colours show between the dashes
        ax.plot(loss[keep], np.abs([r["w11"] for r in sel])[keep], color="tab:orange", lw=0.8, ls=(0, (4, 3)),
                zorder=2.5, label="gradient flow" if i == 0 else None)  # fmt: skip
    left = [s for s in flow_summaries if s["departure"]["left"]]
    for i, s in enumerate(left):
        sel = by_run[s["run"]]
        x = s["departure"]["loss"]
        y = np.interp(np.log(x), np.log([r["loss"] for r in sel][::-1]), np.abs([r["w11"] for r in sel])[::-1])
        ax.plot(x, y, "x", color="tab:orange", ms=6, mew=1.2, zorder=4, label="GD leaves the flow" if i == 0 else None)


# Run labels end in "(b)" for a balanced init (the init product's SVD split evenly across the layers, dmf.init_layers)
BALANCED_NOTE = "(b): balanced init"


def plot_entry_figure(rows, summaries, depth, stop_loss, markers=None, flow=None):
    """Fig. 1 panel: one depth, with the paper's own points (paper_values.yaml) reached at this stop_loss, and
    the gradient flow of every run (flow = (rows, summaries) of solve_dmf_flow) when given."""
    apply_style()
    fig, ax = plt.subplots(figsize=(3.4, 3.9))
    norm = draw_entry_panel(ax, rows, summaries, stop_loss, f"depth {depth}")
    if flow is not None:
        draw_flow(ax, *flow, stop_loss)
    shown = markers_in_range(markers, x_min=stop_loss)
    if shown:
        draw_paper_markers(ax, shown, 0)
        top = max(max(m["y"]) for m in shown)
        ax.set_ylim(0, max(ax.get_ylim()[1], top * 1.08))
    ax.legend(fontsize=6, loc="upper left", title=BALANCED_NOTE, title_fontsize=6)
    _colorbar(fig, ax, norm, max(r["step"] for r in rows))
    return fig


def plot_perturbed_figure(panels, depth, stop_loss):
    """Appendix A: one panel per epsilon (b22), same plot as Fig. 1. panels = [(eps, rows, summaries)] or
    [(eps, rows, summaries, flow)] with flow = (rows, summaries) of solve_dmf_flow, drawn beside the GD runs."""
    apply_style()
    n = len(panels)
    fig, axes = plt.subplots(1, n, figsize=(3.0 * n, 3.9), squeeze=False)
    max_step = max(r["step"] for panel in panels for r in panel[1])
    norm = Normalize(1, max(max_step, 2))
    for ax, (eps, rows, summaries, *flow) in zip(axes[0], panels, strict=True):
        # one theory label for every panel: at eps = 0 the curve is the same family's member, not a second curve
        title = f"depth {depth}, ε = {eps:g}"
        draw_entry_panel(ax, rows, summaries, stop_loss, title, eps=eps, norm=norm, theory_label="1/(ε+√(2ℓ))")
        if flow:
            draw_flow(ax, *flow[0], stop_loss)
            # a trapped run's flow runs on past GD (|w11| -> infinity on the far branch): keep GD's scale
            top = max(np.abs([r["w11"] for r in rows]).max(), 1e-3)
            ax.set_ylim(0, top * 1.25)
        if ax is not axes[0, 0]:
            ax.set_ylabel("")
    handles = {}
    for ax in axes[0]:  # one legend for all panels ("GD leaves the flow" may be drawn in any of them)
        for h, lab in zip(*ax.get_legend_handles_labels(), strict=True):
            handles.setdefault(lab, h)
    axes[0, 0].legend(
        list(handles.values()), list(handles), fontsize=6, loc="upper left", title=BALANCED_NOTE, title_fontsize=6
    )
    _colorbar(fig, list(axes[0]), norm, max_step)
    return fig


def plot_norms_figure(rows_by_depth, summaries_by_depth, stop_loss, schatten_p):
    """Companion figure: norms (top) and rank surrogates (bottom) vs loss, one column per depth.

    Drawn for the balanced run of the largest init of each depth (the most visible early phase).
    """
    apply_style()
    depths = sorted(rows_by_depth)
    fig, axes = plt.subplots(2, len(depths), figsize=(3.2 * len(depths), 5.6), squeeze=False)
    sch = f"schatten_{schatten_p:g}"
    styles = {
        "frobenius": ("Frobenius", "-"),
        "nuclear": ("nuclear", "--"),
        "spectral": ("spectral", "-."),
        sch: (f"Schatten-{schatten_p:g} quasi-norm", ":"),
    }
    for col, depth in enumerate(depths):
        summaries = summaries_by_depth[depth]
        pick = max((s for s in summaries if s["balanced"]), key=lambda s: (s["init"], s["lr"]), default=summaries[0])
        sel = [r for r in rows_by_depth[depth] if r["run"] == pick["run"]]
        loss = np.array([r["loss"] for r in sel])
        ax = axes[0, col]
        for key, (name, ls) in styles.items():
            ax.plot(loss, [r[key] for r in sel], ls=ls, label=name)
        grid = np.geomspace(loss.max(), stop_loss, 100)
        ax.plot(grid, 1 / np.sqrt(2 * grid), color="0.5", lw=0.8, label="1/√(2ℓ)")
        ax.set_xscale("log")
        ax.set_yscale("log")
        ax.set_xlim(loss.max(), stop_loss)
        ax.set_title(f"depth {depth}: {pick['label']}", fontsize=8)
        ax.set_ylabel("norm")
        ax2 = axes[1, col]
        # both rank surrogates on one log axis: distance of the effective rank from 1, and sigma_min
        ax2.plot(
            loss, [max(r["effective_rank"] - 1, 1e-16) for r in sel], color="tab:purple", label="effective rank − 1"
        )
        ax2.plot(loss, [max(r["sigma_min"], 1e-16) for r in sel], color="tab:green", ls="--", label="σ_min")
        ax2.set_xscale("log")
        ax2.set_yscale("log")
        ax2.set_xlim(loss.max(), stop_loss)
        ax2.set_ylabel("rank surrogate")
        ax2.set_xlabel("loss")
        if col == 0:
            ax.legend(fontsize=6)
            ax2.legend(fontsize=6)
    fig.suptitle(
        "Norms grow, rank surrogates fall (this pipeline's companion to Fig. 1, not a paper figure)", fontsize=9
    )
    fig.tight_layout()
    return fig


TC_STYLES = [("tab:orange", "-", "v"), ("tab:green", "-.", "^"), ("tab:purple", ":", "s"), ("tab:brown", "--", "D")]


def _capped_note(rows) -> str:
    """Legend suffix when runs stopped at the step cap instead of converging (their points are not final)."""
    capped = sum(1 for r in rows if not r["converged"])
    if capped * 5 <= len(rows):  # a few never-converging small-N runs are part of the paper's picture
        return ""
    return f" ({capped}/{len(rows)} runs stopped at the step cap)"


def plot_tc_figure(runs_by_init, linear, title, markers=None):
    """Fig. 2: reconstruction error (left) and estimated CP rank (right) vs number of observations.

    Medians over repetitions with 25th-75th percentile error bars; "linear" = zero-filled baseline.
    markers: the paper's own points (paper_values.yaml; axes 0 = error, 1 = rank), drawn where they fall
    within this preset's range of N.
    """
    from implreg.norms.tc import median_iqr

    apply_style()
    fig, (ax_err, ax_rank) = plt.subplots(1, 2, figsize=(6.2, 3.1))
    lin = [r for r in linear if r["what"] == "linear"]
    truth = next(r["rank"] for r in linear if r["what"] == "target")
    ns = [r["num_obs"] for r in lin]
    for ax, key in ((ax_err, "error"), (ax_rank, "rank")):
        ax.plot(ns, [r[key] for r in lin], "o--", color="tab:blue", ms=4, label="linear")
    for k, (init, rows) in enumerate(sorted(runs_by_init.items(), reverse=True)):
        color, ls, marker = TC_STYLES[k % len(TC_STYLES)]
        for ax, key in ((ax_err, "error"), (ax_rank, "rank")):
            stats = median_iqr(rows, key)
            x = sorted(stats)
            q1, med, q3 = (np.array([stats[n][i] for n in x]) for i in range(3))
            ax.errorbar(
                x,
                med,
                yerr=[med - q1, q3 - med],
                fmt=marker,
                ls=ls,
                color=color,
                ms=4,
                capsize=2,
                alpha=0.85,
                label=f"tf, init {init:g}" + _capped_note(runs_by_init[init]),
            )
    # one legend entry for all of the paper's points (same hollow-diamond style; their position says which curve)
    shown = [{**m, "label": "paper (read off its figure)"} for m in markers_in_range(markers, min(ns), max(ns))]
    for i, ax in enumerate((ax_err, ax_rank)):
        draw_paper_markers(ax, shown, i)
    ax_rank.axhline(truth, color="red", lw=2.5, alpha=0.6, label="ground truth", zorder=0)
    ax_err.set_yscale("log")
    ax_err.set_ylabel("reconstruction error")
    ax_rank.set_ylabel("rank")
    ax_rank.set_ylim(bottom=0)
    for ax in (ax_err, ax_rank):
        ax.set_xlabel("# of observations")
        ax.set_xlim(min(ns) - 0.02 * max(ns), max(ns) * 1.02)
    # Below both panels: a long legend entry (runs stopped at the cap) must not cover the rank curves.
    handles, labels = {}, []
    for ax in (ax_rank, ax_err):
        for h, lab in zip(*ax.get_legend_handles_labels(), strict=True):
            if lab not in handles:
                handles[lab] = h
                labels.append(lab)
    ncol = min(len(labels), 3)
    fig.legend([handles[lab] for lab in labels], labels, fontsize=7, loc="lower center", ncol=ncol, frameon=False)
    fig.suptitle(title, fontsize=10)
    fig.tight_layout(rect=(0, 0.05 + 0.045 * ((len(labels) + ncol - 1) // ncol), 1, 1))
    return fig

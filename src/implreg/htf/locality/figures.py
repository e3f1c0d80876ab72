"""Figures of the htf paper's locality experiments: test accuracy vs distance / path length, one curve per λ."""

from __future__ import annotations

import matplotlib.pyplot as plt

from implreg.plotting.style import apply_style, draw_paper_markers

XLABEL = {"is_same": "distance between images (px)", "pathfinder": "path length"}
TASK_TITLE = {"is_same": "Is Same Class", "pathfinder": "Pathfinder"}
LAMBDA_STYLE = [("tab:blue", "o"), ("tab:orange", "s"), ("tab:green", "^"), ("tab:red", "D"), ("tab:purple", "v")]


def plot_locality_figure(
    rows: list[dict], task: str, arch: str = "resnet18", source_note: str = "", paper_markers: list[dict] | None = None
):
    """Mean ± population std over seeds of the test accuracy (%) per setting, one curve per λ, chance at 50%.

    rows: ``summary`` rows (setting, lam, mean, std, n). `source_note` goes into the title (e.g. the image
    source when it is not the paper's, or "smoke preset"). `paper_markers`: the paper's own points
    (paper_values.yaml ``markers``), drawn as hollow black "paper" markers on the same axes (the paper's settings
    may extend beyond ours: its Pathfinder goes to L = 9)."""
    apply_style()
    fig, ax = plt.subplots(figsize=(6.4, 3.3))
    lams = sorted({r["lam"] for r in rows})
    for k, lam in enumerate(lams):
        pts = sorted((r["setting"], r["mean"], r["std"]) for r in rows if r["lam"] == lam)
        xs, ys, es = zip(*pts, strict=True)
        color, marker = LAMBDA_STYLE[k % len(LAMBDA_STYLE)]
        ax.errorbar(xs, ys, yerr=es, color=color, marker=marker, ms=4, capsize=3, label=f"λ = {lam:g} (ours)")
    colors = {lam: LAMBDA_STYLE[k % len(LAMBDA_STYLE)][0] for k, lam in enumerate(lams)}
    for m in paper_markers or []:  # a dashed line in the λ's colour tells the paper's series apart
        ax.plot(m["x"], m["y"], ls="--", lw=0.8, color=colors.get(float(m.get("lam", -1)), "grey"), zorder=4)
    draw_paper_markers(ax, paper_markers)
    settings = sorted({r["setting"] for r in rows} | {x for m in paper_markers or [] for x in m["x"]})
    ax.set_xticks(settings)
    ax.set_xticklabels([f"{s:g}" for s in settings])
    ax.axhline(50.0, color="grey", lw=0.8, ls=":")
    ax.set_xlabel(XLABEL.get(task, "setting"))
    ax.set_ylabel("test accuracy (%)")
    title = f"{TASK_TITLE.get(task, task)} ({arch.replace('resnet', 'ResNet')})"
    ax.set_title(title + (f"\n{source_note}" if source_note else ""), fontsize=9)
    ax.legend(fontsize=7, loc="center left", bbox_to_anchor=(1.02, 0.5))
    fig.tight_layout()
    return fig

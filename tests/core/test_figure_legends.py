"""Figures a reader can decode (issue 28 item 8): distinct paper markers, explained labels, one legend entry per
curve family, integer rank ticks, a variance line that stands apart."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt
import numpy as np

from implreg.norms.dmf import PAPER_OPTIONS, DMFProblem, DMFRun, train_dmf
from implreg.norms.dmf_measures import measure
from implreg.norms.figures import BALANCED_NOTE, plot_entry_figure, plot_perturbed_figure
from implreg.plotting.style import draw_paper_markers
from implreg.tf.figures import plot_natural_figure


def test_two_kinds_of_paper_point_get_two_shapes():
    fig, ax = plt.subplots()
    draw_paper_markers(
        ax,
        [
            {"x": [1e-1, 1e-2], "y": [2, 6], "label": "paper: on 1/√(2ℓ)"},
            {"x": [1e-4], "y": [43], "label": "paper: peeled-off run"},
            {"x": [1e-3], "y": [20], "label": "paper: on 1/√(2ℓ)"},
        ],
    )
    shapes = {line.get_label(): line.get_marker() for line in ax.lines}
    assert len(shapes) == 2 and len(set(shapes.values())) == 2
    plt.close(fig)


def _runs(eps, stop=1e-2):
    problem = DMFProblem.two_by_two(-2.0, 0.5, eps, det_sign=-1)
    runs = [DMFRun(3e-3, 1e-3, False, 2), DMFRun(3e-3, 1e-3, True, 3)]
    return measure(train_dmf(problem, 3, runs, PAPER_OPTIONS.replace(stop_loss=stop, max_steps=200_000)), 0.5)


def test_fig1_legend_explains_the_b_suffix():
    rows, summ = _runs(0.0)
    fig = plot_entry_figure(rows, summ, 3, 1e-2)
    legend = fig.axes[0].get_legend()
    assert any(t.get_text().endswith("(b)") for t in legend.get_texts())
    assert legend.get_title().get_text() == BALANCED_NOTE
    plt.close(fig)


def test_appendix_a_has_one_theory_entry_across_eps_panels():
    panels = [(eps, *_runs(eps)) for eps in (0.0, 0.1)]
    fig = plot_perturbed_figure(panels, 3, 1e-2)
    texts = [t.get_text() for t in fig.axes[0].get_legend().get_texts()]
    assert sum("√(2ℓ)" in t for t in texts) == 1, texts
    plt.close(fig)


def test_tf_natural_rank_axis_has_integer_ticks_and_a_distinct_variance_line():
    rows = [
        {"dataset": "mnist", "variant": v, "split": sp, "R": r, "mean": m, "std": 0.01}
        for v, m0 in (("original", 0.1), ("rand_labels", 0.3), ("rand_images", 0.4))
        for sp in ("train", "test")
        for r, m in ((1, m0), (2, m0 * 0.8), (4, m0 * 0.6))
    ] + [{"dataset": "mnist", "variant": "original", "split": "variance", "R": 0, "mean": 0.09, "std": 0.0}]
    fig = plot_natural_figure(rows)
    ax = fig.axes[0]
    lo, hi = ax.get_xlim()
    ticks = [t for t in ax.get_xticks() if lo <= t <= hi]
    assert ticks and all(float(t).is_integer() for t in ticks), ticks
    var = [line for line in ax.lines if line.get_label() == "variance of the labels"]
    assert var and var[0].get_linestyle() == "-." and np.allclose(matplotlib.colors.to_rgb(var[0].get_color()), 0)
    plt.close(fig)

"""Figures a reader can decode (issue 28 item 8): integer rank ticks and a variance line that stands apart in tf's natural-data figure."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt
import numpy as np

from implreg.tf.figures import plot_natural_figure


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

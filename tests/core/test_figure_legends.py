"""Figures a reader can decode (issue 28 item 8): two kinds of paper point get two shapes."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt

from implreg.plotting.style import draw_paper_markers


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

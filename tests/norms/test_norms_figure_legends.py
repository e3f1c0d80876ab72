"""Figures a reader can decode (issue 28 item 8): norms Fig. 1 explains its (b) label, appendix A has one theory entry."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt

from implreg.norms.dmf import PAPER_OPTIONS, DMFProblem, DMFRun, train_dmf
from implreg.norms.dmf_measures import measure
from implreg.norms.figures import BALANCED_NOTE, plot_entry_figure, plot_perturbed_figure


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

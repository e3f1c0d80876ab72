"""The norms robustness wing (issue 30): Fig. 2's claims per target instance, GD vs its gradient flow at a loss level
over an (init, lr) grid, and the rates they give; deliberately wrong inputs make a rate drop."""

from __future__ import annotations

import math

import numpy as np
import pytest

from implreg.errors import ConfigError
from implreg.norms.dmf import PAPER_OPTIONS, DMFProblem, DMFRun, train_dmf
from implreg.norms.dmf_measures import measure
from implreg.norms.flow import FlowSettings
from implreg.norms.flow_at_level import gd_vs_flow_at_level
from implreg.norms.robustness import (
    cell_setting,
    dmf_cells,
    dmf_run_claims,
    grid_runs,
    tc_instance_claims,
    w11_summary,
)
from implreg.robustness import instance_outcomes, rate_rows

RTOL = 0.05  # config norms.dmf.flow.departure_rtol
LEVEL = 1e-2
PROBLEM = DMFProblem.two_by_two(1.0, 1.0, 0.0, det_sign=1)


# ------------------------------------------------------------------------------------------------ tc


def _tc_instance(rank_small=1, err_small=1e-6, ns=(100, 200, 300), reps=2):
    rows = [
        {"num_obs": n, "rep": r, "converged": True, "error": err_small, "rank": rank_small}
        for n in ns
        for r in range(reps)
    ]
    linear = [{"num_obs": 0, "what": "target", "error": 0.0, "rank": 1}] + [
        {"num_obs": n, "what": "linear", "error": 0.9, "rank": 15} for n in ns
    ]
    return {1e-2: rows}, linear


TC_PARAMS = {
    "target_rank": 1,
    "rank_from": 100,
    "error_from": 200,
    "error_factor": 1000,
    "init_ordering": True,
    "figure": "norms/tc_rank1_order3",
    "grid": {"num_observations": [100, 200, 300], "repetitions": 2, "init_stds": [1e-2]},
}


def test_tc_instance_claims_are_the_figures_and_drop_only_declared_untestable():
    runs, linear = _tc_instance()
    with pytest.raises(ConfigError, match="no outcome"):  # one init: the ordering claim is None unless declared
        instance_outcomes(lambda _k, v: tc_instance_claims(*v, TC_PARAMS), {100: (runs, linear)})
    claims = tc_instance_claims(runs, linear, TC_PARAMS, untestable=["smaller_init_lower_error"])
    assert [c.id for c in claims] == [
        "target_rank_estimate",
        "small_init_recovers_rank",
        "small_init_beats_linear",
        "small_init_runs_converge",
        "linear_rank_high",
    ]
    assert all(c.passed for c in claims)


def test_tc_rate_drops_on_a_target_whose_rank_is_not_recovered():
    skip = ["smaller_init_lower_error"]
    good, bad = _tc_instance(), _tc_instance(rank_small=2)  # a target where the factorization stays at rank 2
    outcomes = instance_outcomes(
        lambda _k, v: tc_instance_claims(*v, TC_PARAMS, untestable=skip), {100: good, 101: good, 102: bad}
    )
    rows = {r["claim"]: r for r in rate_rows("rank1_order3", outcomes)}
    assert (rows["small_init_recovers_rank"]["k"], rows["small_init_recovers_rank"]["n"]) == (2, 3)
    assert rows["small_init_beats_linear"]["k"] == 3
    # a missing run (the grid's check) fails the convergence claim of that instance
    runs, linear = _tc_instance()
    runs[1e-2] = runs[1e-2][:-1]
    claims = {c.id: c for c in tc_instance_claims(runs, linear, TC_PARAMS, untestable=skip)}
    assert claims["small_init_runs_converge"].passed is False


# ----------------------------------------------------------------------------------------------- dmf


def test_grid_runs_order_and_refusals():
    runs = grid_runs([1e-3, 1e-5], [6e-3, 3e-3], [100, 101], [False, True])
    assert len(runs) == 16
    assert runs[0] == {"lr": 6e-3, "init": 1e-3, "balanced": False, "seed": 100}
    assert runs[1]["seed"] == 101 and runs[2]["lr"] == 3e-3 and runs[8]["balanced"] is True
    with pytest.raises(ConfigError, match=r"norms\.robustness\.dmf\.lrs"):
        grid_runs([1e-3], [6e-3, 6e-3], [0], [True])
    with pytest.raises(ConfigError, match=r"norms\.robustness\.dmf\.seeds"):
        grid_runs([1e-3], [6e-3], [], [True])


def _row(**kw):
    base = {
        "run": 0,
        "label": "lr 0.003 init 1e-05 (b)",
        "lr": 3e-3,
        "init": 1e-5,
        "balanced": True,
        "seed": 100,
        "converged": True,
        "gd_w11": 70.70,
        "flow_w11": 70.69,
        "flow_fro": 70.72,
        "gap": 1.4e-4,
        "flow_reached": True,
        "resolved_change": 1e-9,
    }
    return {**base, **kw}


def test_dmf_run_claims_pass_and_fail():
    ok = {c.id: c.passed for c in dmf_run_claims(_row(), 1e-4, RTOL)}
    assert ok == {"gd_reaches_level": True, "flow_resolved": True, "gd_w11_agrees_with_flow": True}
    peeled = {c.id: c.passed for c in dmf_run_claims(_row(gd_w11=48.2, gap=0.19), 1e-4, RTOL)}
    assert peeled["gd_w11_agrees_with_flow"] is False
    edge = {c.id: c.passed for c in dmf_run_claims(_row(gap=RTOL * 1.001), 1e-4, RTOL)}
    assert edge["gd_w11_agrees_with_flow"] is False
    capped = {c.id: c.passed for c in dmf_run_claims(_row(converged=False, gd_w11=math.nan, gap=None), 1e-4, RTOL)}
    assert capped["gd_reaches_level"] is False and capped["gd_w11_agrees_with_flow"] is False
    loose = {c.id: c.passed for c in dmf_run_claims(_row(resolved_change=1e-4), 1e-4, RTOL)}
    assert loose["flow_resolved"] is False


def test_dmf_cells_group_by_cell_and_refuse_a_seed_twice():
    table = [_row(seed=s, lr=lr) for lr in (3e-3, 6e-3) for s in (100, 101)]
    cells = dmf_cells(table)
    assert list(cells) == [(True, 1e-5, 3e-3), (True, 1e-5, 6e-3)]
    assert cell_setting((True, 1e-5, 3e-3)) == "balanced init 1e-05 lr 0.003"
    with pytest.raises(ConfigError, match="twice"):
        dmf_cells([*table, _row(seed=100)])
    summary = w11_summary([_row(seed=100, gd_w11=60.0), _row(seed=101, gd_w11=70.0), _row(seed=102, gd_w11=65.0)])
    assert summary[(True, 1e-5)]["gd"][3e-3] == (65.0, 60.0, 70.0)
    assert summary[(True, 1e-5)]["ratio"][3e-3] == pytest.approx((65 / 70.69, 60 / 70.69, 70 / 70.69))


@pytest.fixture(scope="module")
def small_grid():
    """Fig. 1's problem at depth 3 to loss 1e-2: two seeds, one init, two lrs, balanced (seconds)."""
    runs = [DMFRun(lr, 1e-3, True, s) for lr in (6e-3, 3e-3) for s in (100, 101)]
    opts = PAPER_OPTIONS.replace(stop_loss=LEVEL, max_steps=200_000, progress_every_s=1e9)
    history = train_dmf(PROBLEM, 3, runs, opts)
    rows, _ = measure(history)
    return history, rows


def test_gd_follows_its_flow_at_the_level_and_a_corrupted_run_drops_the_rate(small_grid):
    history, rows = small_grid
    table = gd_vs_flow_at_level(history, rows, PROBLEM, 3, "product", LEVEL, FlowSettings())
    assert len(table) == 4 and all(t["converged"] and t["flow_reached"] for t in table)
    # same init for every lr of one seed: one flow, the same value
    assert table[0]["flow_w11"] == table[2]["flow_w11"] and table[0]["seed"] == table[2]["seed"]
    # GD with these small steps sits on the flow, |w11| ~ 1/sqrt(2 * 1e-2) = 7.07 (theorem's band)
    for t in table:
        assert t["gap"] < RTOL / 10 and t["resolved_change"] < 1e-6
        assert 6.0 < t["flow_w11"] < 7.1
    cells = dmf_cells(table)
    rates = [
        r
        for cell, inst in cells.items()
        for r in rate_rows(cell_setting(cell), instance_outcomes(lambda _k, v: dmf_run_claims(v, LEVEL, RTOL), inst))
    ]
    assert all(r["k"] == r["n"] == 2 for r in rates)
    # a run that peeled off the flow: its logged w11 30 % lower from half its initial loss on
    bad_rows = [dict(r, w11=0.7 * r["w11"]) if r["run"] == 1 else r for r in rows]
    bad = gd_vs_flow_at_level(history, bad_rows, PROBLEM, 3, "product", LEVEL, FlowSettings())
    assert bad[1]["gap"] > RTOL and bad[0]["gap"] == pytest.approx(table[0]["gap"])
    inst = dmf_cells(bad)[(True, 1e-3, 6e-3)]
    row = {r["claim"]: r for r in rate_rows("x", instance_outcomes(lambda _k, v: dmf_run_claims(v, LEVEL, RTOL), inst))}
    assert (row["gd_w11_agrees_with_flow"]["k"], row["gd_w11_agrees_with_flow"]["n"]) == (1, 2)
    assert row["gd_reaches_level"]["k"] == 2


def test_robustness_figure_draws_every_panel(small_grid):
    from implreg.norms.figures import plot_robustness_figure

    history, rows = small_grid
    table = gd_vs_flow_at_level(history, rows, PROBLEM, 3, "product", LEVEL, FlowSettings())
    rates = rate_rows(
        "x", instance_outcomes(lambda _k, v: dmf_run_claims(v, LEVEL, RTOL), dmf_cells(table)[(True, 1e-3, 3e-3)])
    )
    fig = plot_robustness_figure(w11_summary(table), rates, rates[:1], LEVEL, 3, "tc")
    assert len(fig.axes) == 4  # |w11| and GD/flow panels (balanced only), the DMF forest, the tc forest
    line = fig.axes[0].get_lines()[0]
    assert np.allclose(line.get_xdata(), [3e-3, 6e-3])


def test_a_repeated_target_is_refused():
    """A target rule that ignored its seed would hand every 'instance' the same tensor: refused, not counted."""
    from implreg.cp import make_cp_target
    from implreg.norms.robustness import check_distinct_targets

    a, b = (make_cp_target(3, 4, 1, s)[0] for s in (100, 101))
    check_distinct_targets({100: a, 101: b})
    with pytest.raises(ConfigError, match="100 and 102 gave the same tensor"):
        check_distinct_targets({100: a, 101: b, 102: a.copy()})

"""Mutation suite of the norms claims (issue 16): deliberately wrong result sets, derived from the smoke
preset's real outputs, must each make at least one claim FAIL (passed is False, not None), after the preset's
own declaration of untestable claims is applied; the real outputs themselves pass.

DMF results are rebuilt here exactly as the smoke preset builds them (config.yaml's panels, smoke stop_loss;
the 2x2 kernel takes a second), plus Fig. 1's depth-2 runs to the default stop_loss (the smoke preset
declares depth 2's claims untestable). TC results are the smoke preset's CSVs, committed under
tests/norms/fixtures/tc_smoke/ (a few lines each).
"""

from __future__ import annotations

import copy
import math
from pathlib import Path

import numpy as np
import pytest
import yaml

from implreg.claims import finalize
from implreg.config import resolve, untestable_declarations
from implreg.io import read_csv_rows
from implreg.norms.dmf import PAPER_OPTIONS, DMFProblem, DMFRun, train_dmf
from implreg.norms.dmf_claims import entry_claims, eps_id, norms_claims, theory_band
from implreg.norms.dmf_measures import measure
from implreg.norms.tc_claims import tc_claims

ROOT = Path(__file__).resolve().parents[2]
FIX = Path(__file__).parent / "fixtures"
CONFIG = yaml.safe_load((ROOT / "config.yaml").read_text())
DMF = CONFIG["norms"]["dmf"]
SMOKE = CONFIG["presets"]["smoke"]
SMOKE_STOP = float(SMOKE["norms"]["dmf"]["stop_loss"])
SMOKE_DECLARED = untestable_declarations(resolve({**CONFIG, "preset": "smoke"}))
TC_SMOKE = {e["name"]: e for e in SMOKE["norms"]["tc"]["experiments"]}


def _runs(panels, depth):
    spec = next(p for p in panels if p["depth"] == depth)["runs"]
    return [DMFRun(float(r["lr"]), float(r["init"]), bool(r["balanced"]), int(r["seed"])) for r in spec]


def _build(observations, det_sign, depth, panels, stop_loss):
    problem = DMFProblem.two_by_two(*observations, det_sign=det_sign)
    return measure(
        train_dmf(problem, depth, _runs(panels, depth), PAPER_OPTIONS.replace(stop_loss=stop_loss)), DMF["schatten_p"]
    )


MAIN = tuple(DMF["main_observations"])
PERT = (*DMF["perturbed_observations"], 0.1)


@pytest.fixture(scope="module")
def fig1():
    """Fig. 1 at the smoke preset: {depth: (rows, summaries)}."""
    return {d: _build(MAIN, DMF["main_det_sign"], d, DMF["panels"], SMOKE_STOP) for d in (3, 4)}


@pytest.fixture(scope="module")
def fig1_depth2():
    """Fig. 1 depth 2 to the default stop_loss (what the default preset tests)."""
    return _build(MAIN, DMF["main_det_sign"], 2, DMF["panels"], float(DMF["stop_loss"]))


@pytest.fixture(scope="module")
def appa_depth3():
    """Appendix A, depth 3, eps = 0.1 at the smoke preset."""
    return _build(PERT, DMF["perturbed_det_sign"], 3, DMF["perturbed_panels"], SMOKE_STOP)


def failed(claims, figure=None, declared=None):
    """Ids of the claims that FAIL after the preset's declaration is applied."""
    finalize(claims, declared if declared is not None else SMOKE_DECLARED.get(figure, {}), figure or "")
    return {c.id for c in claims if c.passed is False}


def _set(rows_or_summaries, pred, **changes):
    return [dict(r, **changes) if pred(r) else dict(r) for r in rows_or_summaries]


def _fig1_claims(rows, summaries, depth, stop=SMOKE_STOP):
    return entry_claims(rows, summaries, depth, stop, MAIN, figure=f"norms/dmf_unobserved_entry_depth{depth}")


# ----------------------------------------------------------------------------------- Fig. 1, depths 3 and 4


@pytest.mark.parametrize("depth", [3, 4])
def test_fig1_real_smoke_outputs_pass(fig1, depth):
    rows, summ = fig1[depth]
    claims = _fig1_claims(rows, summ, depth)
    assert not failed(claims, f"norms/dmf_unobserved_entry_depth{depth}"), [c.as_dict() for c in claims]
    assert all(c.passed is True for c in claims)


@pytest.mark.parametrize("depth", [3, 4])
def test_fig1_w11_stuck_at_init_fails(fig1, depth):
    rows, summ = fig1[depth]
    rows = [dict(r, w11=1e-5) for r in rows]
    summ = [dict(s, final_w11=1e-5) for s in summ]
    bad = failed(_fig1_claims(rows, summ, depth), f"norms/dmf_unobserved_entry_depth{depth}")
    assert {"runs_follow_theory", "all_runs_grow", "matches_paper_points"} <= bad


@pytest.mark.parametrize("depth", [3, 4])
def test_fig1_w11_above_theory_fails(fig1, depth):
    """An upper bound too: |w11| 1.5x the theory curve is not 'following' it."""
    rows, summ = fig1[depth]
    rows = [dict(r, w11=1.5 * r["w11"]) for r in rows]
    summ = [dict(s, final_w11=1.5 * s["final_w11"]) for s in summ]
    assert "runs_follow_theory" in failed(_fig1_claims(rows, summ, depth))


@pytest.mark.parametrize("depth", [3, 4])
def test_fig1_flat_trajectory_fails(fig1, depth):
    """The loss never falls (a run that never leaves the origin): the convergence claim fails."""
    rows, summ = fig1[depth]
    rows = [dict(r, loss=1.0, w11=1e-5) for r in rows]
    summ = [dict(s, final_loss=1.0, final_w11=1e-5, converged=False) for s in summ]
    bad = failed(_fig1_claims(rows, summ, depth))
    assert {"runs_reach_stop_loss", "smallest_settings_agree"} <= bad


@pytest.mark.parametrize("depth", [3, 4])
def test_fig1_one_capped_run_fails(fig1, depth):
    rows, summ = fig1[depth]
    summ = _set(summ, lambda s: s["run"] == 0, converged=False)
    assert "runs_reach_stop_loss" in failed(_fig1_claims(rows, summ, depth))


def test_fig1_settings_disagree_fails(fig1):
    rows, summ = fig1[3]
    slow = min((s for s in summ if s["balanced"]), key=lambda s: s["lr"])["run"]
    rows = [dict(r, w11=r["w11"] * 1.5) if r["run"] == slow else r for r in rows]
    assert "smallest_settings_agree" in failed(_fig1_claims(rows, summ, 3))


def test_fig1_convergence_claim_cannot_be_declared(fig1):
    from implreg.errors import ConfigError

    rows, summ = fig1[3]
    with pytest.raises(ConfigError):
        finalize(_fig1_claims(rows, summ, 3), {"runs_reach_stop_loss": "wishful"}, "x")


# ----------------------------------------------------------------------------------- Fig. 1, depth 2

FIG1_D2 = "norms/dmf_unobserved_entry_depth2"


def test_depth2_real_outputs_pass_and_smoke_declares(fig1_depth2):
    rows, summ = fig1_depth2
    claims = _fig1_claims(rows, summ, 2, float(DMF["stop_loss"]))
    assert not failed(claims, declared={}), [c.as_dict() for c in claims]
    assert {"depth2_plateau", "depth2_det_flips"} <= set(SMOKE_DECLARED[FIG1_D2])


def test_depth2_missing_det_flip_fails(fig1_depth2):
    rows, summ = fig1_depth2
    summ = [dict(s, final_det=abs(s["final_det"])) for s in summ]  # det kept its initial (positive) sign
    assert "depth2_det_flips" in failed(_fig1_claims(rows, summ, 2, float(DMF["stop_loss"])), declared={})


def test_depth2_w11_stuck_at_init_fails(fig1_depth2):
    """The lower bound: a |w11| that never leaves its init (~1e-5) is no plateau."""
    rows, summ = fig1_depth2
    summ = [dict(s, final_w11=1e-5) for s in summ]
    assert "depth2_plateau" in failed(_fig1_claims(rows, summ, 2, float(DMF["stop_loss"])), declared={})


def test_depth2_on_theory_curve_fails(fig1_depth2):
    rows, summ = fig1_depth2
    summ = [dict(s, final_w11=70.7, final_loss=1e-4) for s in summ]
    assert "depth2_plateau" in failed(_fig1_claims(rows, summ, 2, float(DMF["stop_loss"])), declared={})


def test_depth2_swapped_init_labels_fails(fig1_depth2):
    rows, summ = fig1_depth2
    summ = [dict(s, balanced=not s["balanced"]) for s in summ]
    assert "depth2_plateau" in failed(_fig1_claims(rows, summ, 2, float(DMF["stop_loss"])), declared={})


def test_depth2_real_default_runs_pass_the_path_claim(fig1_depth2):
    rows, summ = fig1_depth2
    claims = _fig1_claims(rows, summ, 2, float(DMF["stop_loss"]))
    path = next(c for c in claims if c.id == "depth2_plateau_on_path")
    assert path.passed is True, path.as_dict()


def _growing_like_theory(rows, summ, pred):
    """The runs matching `pred` get a |w11| path that keeps growing like the theory curve, 1/sqrt(loss), scaled to
    end at the run's own final value: every final value (what depth2_plateau reads) is unchanged."""
    final_loss = {s["run"]: s["final_loss"] for s in summ}
    final_w11 = {s["run"]: s["final_w11"] for s in summ}
    runs = {s["run"] for s in summ if pred(s)}
    return [
        dict(r, w11=final_w11[r["run"]] * math.sqrt(final_loss[r["run"]] / r["loss"])) if r["run"] in runs else r
        for r in rows
    ]


def test_depth2_balanced_runs_growing_at_half_theory_fail_on_path(fig1_depth2):
    """Issue 31: depth-2 balanced runs still climbing along (half) the theory curve when they stop, with their
    final value inside the plateau range, used to pass; the path claim fails them, depth2_plateau still passes."""
    rows, summ = fig1_depth2
    rows = _growing_like_theory(rows, summ, lambda s: s["balanced"])
    bad = failed(_fig1_claims(rows, summ, 2, float(DMF["stop_loss"])), declared={})
    assert "depth2_plateau_on_path" in bad and "depth2_plateau" not in bad


def test_depth2_run_shrinking_from_its_init_fails_on_path(fig1_depth2):
    rows, summ = fig1_depth2
    first = {}
    for r in rows:
        first.setdefault(r["run"], r["w11"])
    rows = [dict(r, w11=2 * abs(first[r["run"]])) if r["run"] == 1 else r for r in rows]
    assert "depth2_plateau_on_path" in failed(_fig1_claims(rows, summ, 2, float(DMF["stop_loss"])), declared={})


def test_depth2_run_without_a_logged_decade_fails_on_path(fig1_depth2):
    """A run whose log starts less than a decade of loss above its end has not shown a plateau."""
    rows, summ = fig1_depth2
    last = {s["run"]: s["final_loss"] for s in summ}
    rows = [r for r in rows if r["run"] != 3 or r["loss"] < 5 * last[3]]
    assert "depth2_plateau_on_path" in failed(_fig1_claims(rows, summ, 2, float(DMF["stop_loss"])), declared={})


def test_depth2_one_capped_run_fails(fig1_depth2):
    rows, summ = fig1_depth2
    summ = _set(summ, lambda s: s["run"] == 1, converged=False)
    assert "runs_reach_stop_loss" in failed(_fig1_claims(rows, summ, 2, float(DMF["stop_loss"])), declared={})


# ----------------------------------------------------------------------------------- appendix A (eps > 0)

APPA = "norms/dmf_perturbed_unobserved_entry_depth3"


def _appa(rows, summ):
    return entry_claims(rows, summ, 3, SMOKE_STOP, PERT, figure=APPA, check_agreement=False)


def test_appa_real_smoke_outputs_pass(appa_depth3):
    claims = _appa(*appa_depth3)
    assert not failed(claims, APPA), [c.as_dict() for c in claims]


def test_appa_capped_oscillating_run_is_not_trapped(appa_depth3):
    """The issue's case: a balanced run at the step cap, w22 on the wrong side, loss oscillating above
    the floor eps^2/2. It is not 'trapped', so the convergence claim fails."""
    rows, summ = appa_depth3
    bal = next(s for s in summ if s["balanced"])["run"]
    osc = []
    for k, r in enumerate(rows):
        osc.append(dict(r, loss=0.02 + 0.01 * (k % 2)) if r["run"] == bal else r)
    summ = _set(summ, lambda s: s["run"] == bal, converged=False, final_w22=-0.05, final_loss=0.03)
    assert "runs_reach_stop_loss_or_trapped" in failed(_appa(osc, summ), APPA)


def test_appa_all_runs_capped_fails(appa_depth3):
    rows, summ = appa_depth3
    summ = [dict(s, converged=False) for s in summ]
    assert "runs_reach_stop_loss_or_trapped" in failed(_appa(rows, summ), APPA)


def test_appa_w11_positive_fails(appa_depth3):
    rows, summ = appa_depth3
    summ = [dict(s, final_w11=abs(s["final_w11"])) for s in summ]
    assert "w11_negative" in failed(_appa(rows, summ), APPA)


def test_appa_w11_stuck_at_init_fails(appa_depth3):
    rows, summ = appa_depth3
    summ = [dict(s, final_w11=-1e-5) for s in summ]
    assert {"runs_follow_theory", "all_runs_grow"} <= failed(_appa(rows, summ), APPA)


def test_appa_claim_ids_match_the_schema():
    assert eps_id(0.1) == "eps0p1" and eps_id(0) == "eps0" and eps_id(0.01) == "eps0p01"


# ----------------------------------------------------------------------------------- companion: norms and rank

NORMS = "norms/dmf_norms_rank"


def _norms(summ_by_depth):
    return norms_claims(summ_by_depth, SMOKE_STOP, DMF["schatten_p"], MAIN)


def test_norms_real_smoke_outputs_pass(fig1):
    claims = _norms({d: fig1[d][1] for d in (3, 4)})
    assert not failed(claims, NORMS), [c.as_dict() for c in claims]
    assert len(claims) == 4


def test_norms_one_norm_small_fails(fig1):
    summ = {d: [dict(s, final_nuclear=1.0) for s in fig1[d][1]] for d in (3, 4)}
    assert {"depth3_all_norms_grow", "depth4_all_norms_grow"} <= failed(_norms(summ), NORMS)


def test_norms_rank_stays_two_fails(fig1):
    summ = {d: [dict(s, final_sigma_min=0.5, final_effective_rank=1.9) for s in fig1[d][1]] for d in (3, 4)}
    assert {"depth3_rank_falls", "depth4_rank_falls"} <= failed(_norms(summ), NORMS)


def test_norms_stuck_at_init_fails(fig1):
    keys = ("frobenius", "nuclear", "spectral", "schatten_0.5")
    summ = {
        d: [dict(s, **{f"final_{k}": 2e-5 for k in keys}, final_sigma_min=1e-5) for s in fig1[d][1]] for d in (3, 4)
    }
    assert "depth3_all_norms_grow" in failed(_norms(summ), NORMS)


def test_norms_swapped_init_labels_fails(fig1):
    """The claims read the balanced runs; labelling the non-balanced runs 'balanced' after the larger one
    peeled off would pass unnoticed only if the numbers still fit: give the relabelled runs a peeled |w11|."""
    summ = {
        d: [dict(s, balanced=not s["balanced"], final_spectral=0.3 * s["final_spectral"]) for s in fig1[d][1]]
        for d in (3, 4)
    }
    assert "depth3_all_norms_grow" in failed(_norms(summ), NORMS)


# ----------------------------------------------------------------------------------- Fig. 2, appendix B


def _tc_inputs(name):
    d = FIX / "tc_smoke" / name
    runs = {1e-2: read_csv_rows(d / "init0.01.csv")}
    return runs, read_csv_rows(d / "linear.csv")


def _tc(name, runs, linear):
    e = TC_SMOKE[name]
    return tc_claims(
        runs,
        linear,
        e["target_rank"],
        e["claim_rank_from"],
        e["claim_error_from"],
        e["claim_error_factor"],
        e["claim_init_ordering"],
        figure=f"norms/tc_{name}",
    )


TC_NAMES = sorted(TC_SMOKE)


@pytest.mark.parametrize("name", TC_NAMES)
def test_tc_real_smoke_outputs_pass(name):
    claims = _tc(name, *_tc_inputs(name))
    assert not failed(claims, f"norms/tc_{name}"), [c.as_dict() for c in claims]


@pytest.mark.parametrize("name", TC_NAMES)
def test_tc_ranks_too_high_plus_one_capped_run_fails(name):
    """The issue's example: estimated rank 5 everywhere plus one capped run used to report 0 failures."""
    runs, lin = _tc_inputs(name)
    rows = [dict(r, rank=5) for r in runs[1e-2]]
    rows[-1]["converged"] = False
    bad = failed(_tc(name, {1e-2: rows}, lin), f"norms/tc_{name}")
    assert {"small_init_recovers_rank", "small_init_runs_converge"} <= bad


@pytest.mark.parametrize("name", TC_NAMES)
def test_tc_one_capped_run_fails(name):
    runs, lin = _tc_inputs(name)
    rows = copy.deepcopy(runs[1e-2])
    rows[-1]["converged"] = False
    assert "small_init_runs_converge" in failed(_tc(name, {1e-2: rows}, lin), f"norms/tc_{name}")


@pytest.mark.parametrize("name", TC_NAMES)
def test_tc_flat_error_fails(name):
    """No gain over the zero-filled baseline: the error stays at the linear one."""
    runs, lin = _tc_inputs(name)
    lin_err = {r["num_obs"]: r["error"] for r in lin if r["what"] == "linear"}
    rows = [dict(r, error=lin_err[r["num_obs"]]) for r in runs[1e-2]]
    assert "small_init_beats_linear" in failed(_tc(name, {1e-2: rows}, lin), f"norms/tc_{name}")


@pytest.mark.parametrize("name", TC_NAMES)
def test_tc_linear_rank_low_or_target_wrong_fails(name):
    runs, lin = _tc_inputs(name)
    flat = [dict(r, rank=1 if r["what"] == "linear" else r["rank"] + 1) for r in lin]
    assert {"linear_rank_high", "target_rank_estimate"} <= failed(_tc(name, runs, flat), f"norms/tc_{name}")


def test_tc_swapped_init_labels_fails():
    """Two init scales (Fig. 2): swap the labels, and the larger init now has the lower error."""
    runs, lin = _tc_inputs("rank1_order3")
    small = [dict(r, error=r["error"] * 1e-2) for r in runs[1e-2]]  # a 1e-3 curve two decades lower
    good = _tc("rank1_order3", {1e-3: small, 1e-2: runs[1e-2]}, lin)
    assert not failed(good, declared={})
    swapped = _tc("rank1_order3", {1e-3: runs[1e-2], 1e-2: small}, lin)
    assert "smaller_init_lower_error" in failed(swapped, declared={})


def test_tc_no_large_n_fails_not_null():
    """A preset without N in the claimed range makes the claims fail unless it declares them."""
    runs, lin = _tc_inputs("rank1_order3")
    e = TC_SMOKE["rank1_order3"]
    claims = tc_claims(runs, lin, 1, 10_000, 10_000, e["claim_error_factor"], True, figure="norms/tc_rank1_order3")
    assert {"small_init_recovers_rank", "small_init_beats_linear", "small_init_runs_converge"} <= failed(
        claims, declared={}
    )


def test_default_preset_tests_order4_rank3_on_the_init_it_runs():
    """The default preset drops the init-1e-3 runs it cannot afford up front instead of declaring their claims
    untestable: every claim of that figure is tested, on init 1e-2."""
    default = CONFIG["presets"]["default"]
    assert "norms/tc_rank3_order4" not in untestable_declarations(resolve({**CONFIG, "preset": "default"}))
    assert default["norms"]["tc"]["init_stds_by_experiment"] == {"rank3_order4": [1e-2]}


# ----------------------------------------------------------------------------------- appendix A, depth 2

APPA_D2 = "norms/dmf_perturbed_unobserved_entry_depth2"


@pytest.fixture(scope="module")
def appa_depth2():
    """Appendix A, depth 2, eps = 0.1 to the default stop_loss (what the default preset tests)."""
    return _build(PERT, DMF["perturbed_det_sign"], 2, DMF["perturbed_panels"], float(DMF["stop_loss"]))


def _appa_d2(rows, summ):
    return entry_claims(rows, summ, 2, float(DMF["stop_loss"]), PERT, figure=APPA_D2, check_agreement=False)


def test_appa_depth2_tests_the_balanced_plateau_below_the_theory_band(appa_depth2):
    """The spec's appendix-A range (1.3-6) is of its balanced sims, whose lr/init it does not give: its lower end
    (widened by the reading error) is kept; the upper end is the theory band's lower edge at the run's final
    loss ("far below the theory curve"). No source gives the non-balanced runs a value."""
    rows, summ = appa_depth2
    c = next(c for c in _appa_d2(rows, summ) if c.id == "depth2_plateau")
    ranges = {s["balanced"]: c.measured[s["label"]]["range"] for s in summ}
    b = next(s for s in summ if s["balanced"])
    lo_band, _ = theory_band(b["final_loss"], PERT)
    assert ranges[False] == "not tested"
    assert ranges[True][0] == pytest.approx(1.1)
    assert ranges[True][1] == pytest.approx(lo_band / (PERT[2] + np.sqrt(2 * b["final_loss"])))


def _on_theory_curve(s):
    return 1.0 / (PERT[2] + np.sqrt(2 * s["final_loss"]))


@pytest.mark.parametrize("w11", [1e-5, 20.0, "theory"])
def test_appa_depth2_balanced_plateau_off_the_range_fails(appa_depth2, w11):
    """Never leaving the init, overshooting, or ending on the theory curve (no deviation) all fail."""
    rows, summ = appa_depth2
    summ = [dict(s, final_w11=-(_on_theory_curve(s) if w11 == "theory" else w11)) if s["balanced"] else s for s in summ]
    assert "depth2_plateau" in failed(_appa_d2(rows, summ), declared={})


def test_appa_depth2_kept_det_fails(appa_depth2):
    rows, summ = appa_depth2
    summ = [dict(s, final_det=-abs(s["final_det"])) for s in summ]  # det kept its initial (negative) sign
    assert "depth2_det_flips" in failed(_appa_d2(rows, summ), declared={})


# ------------------------------------------------------------ unusable runs (issue 31, item 5): each class fails
# The convergence claims also judge whether each run's results are usable: a NaN inside a run, a flag its own
# logged loss contradicts, settings other than the config's, a grid point or repetition missing.


def _fig1_runs(depth):
    return next(p for p in DMF["panels"] if p["depth"] == depth)["runs"]


def test_fig1_with_the_configs_runs_passes(fig1):
    rows, summ = fig1[3]
    claims = entry_claims(rows, summ, 3, SMOKE_STOP, MAIN, figure="norms/dmf_unobserved_entry_depth3",
                          expected_runs=_fig1_runs(3))  # fmt: skip
    assert not failed(claims, "norms/dmf_unobserved_entry_depth3")


def test_fig1_nan_log_points_in_one_run_fail(fig1):
    rows, summ = fig1[3]
    n = sum(r["run"] == 0 for r in rows)
    rows = [dict(r, w11=float("nan")) if r["run"] == 0 and i % 7 == 3 else r for i, r in enumerate(rows)]
    assert n > 7 and "runs_reach_stop_loss" in failed(_fig1_claims(rows, summ, 3), "norms/dmf_unobserved_entry_depth3")


@pytest.mark.parametrize("how", ["ten_times", "floored"])
def test_depth2_loss_logged_wrong_fails_convergence(fig1_depth2, how):
    """Convergence is read from the logged loss, not only the run's flag: a loss logged 10x too big, or floored
    at 1e-3, has not reached the stop loss whatever the flag says."""
    rows, summ = fig1_depth2
    change = (lambda v: 10 * v) if how == "ten_times" else (lambda v: max(v, 1e-3))
    rows = [dict(r, loss=change(r["loss"])) for r in rows]
    summ = [dict(s, final_loss=change(s["final_loss"])) for s in summ]
    assert "runs_reach_stop_loss" in failed(_fig1_claims(rows, summ, 2, float(DMF["stop_loss"])), declared={})


def test_fig1_settings_other_than_the_configs_fail(fig1):
    """Each run's identity is read from its results and checked against config: swapped lrs fail."""
    rows, summ = fig1[3]
    want = [dict(r) for r in _fig1_runs(3)]
    want[0]["lr"], want[2]["lr"] = want[2]["lr"], want[0]["lr"]
    claims = entry_claims(
        rows, summ, 3, SMOKE_STOP, MAIN, figure="norms/dmf_unobserved_entry_depth3", expected_runs=want
    )
    assert "runs_reach_stop_loss" in failed(claims, declared={})


def test_appa_nan_in_one_run_fails(appa_depth3):
    rows, summ = appa_depth3
    rows = [dict(r, loss=float("nan")) if r["run"] == 1 and r["step"] > 0 else r for r in rows]
    assert "runs_reach_stop_loss_or_trapped" in failed(_appa(rows, summ), APPA)


def _five_reps(rows):
    """The smoke table (one repetition) as five repetitions of the same runs, as the default preset has."""
    return [dict(r, rep=k) for r in rows for k in range(5)]


def _grid(name, runs, reps=5):
    ns = sorted({int(r["num_obs"]) for r in next(iter(runs.values()))})
    return {"num_observations": ns, "repetitions": reps, "init_stds": sorted(runs)}


def _tc_grid(name, runs, linear, grid):
    e = TC_SMOKE[name]
    return tc_claims(runs, linear, e["target_rank"], e["claim_rank_from"], e["claim_error_from"],
                     e["claim_error_factor"], e["claim_init_ordering"], figure=f"norms/tc_{name}", grid=grid)  # fmt: skip


@pytest.mark.parametrize("name", TC_NAMES)
def test_tc_complete_grid_passes(name):
    runs, lin = _tc_inputs(name)
    five = {1e-2: _five_reps(runs[1e-2])}
    assert not failed(_tc_grid(name, five, lin, _grid(name, five)), f"norms/tc_{name}")


@pytest.mark.parametrize("n_nan", [1, 3])
@pytest.mark.parametrize("name", TC_NAMES)
def test_tc_nan_errors_in_some_repetitions_fail(name, n_nan):
    """The median silently drops NaNs; the convergence claim does not."""
    runs, lin = _tc_inputs(name)
    rows = _five_reps(runs[1e-2])
    top = max(r["num_obs"] for r in rows)
    rows = [dict(r, error=float("nan")) if r["num_obs"] == top and r["rep"] < n_nan else r for r in rows]
    grid = _grid(name, {1e-2: rows})
    assert "small_init_runs_converge" in failed(_tc_grid(name, {1e-2: rows}, lin, grid), f"norms/tc_{name}")


@pytest.mark.parametrize("drop", ["largest_three", "half"])
@pytest.mark.parametrize("name", TC_NAMES)
def test_tc_missing_grid_points_fail(name, drop):
    """A table without its three largest N, or without half of its N grid, does not cover the configured runs."""
    runs, lin = _tc_inputs(name)
    rows = _five_reps(runs[1e-2])
    grid = _grid(name, {1e-2: rows})
    ns = grid["num_observations"]
    gone = set(ns[-3:]) if drop == "largest_three" else set(ns[::2])
    kept = [r for r in rows if r["num_obs"] not in gone]
    lin_kept = [r for r in lin if r["num_obs"] not in gone or r["what"] != "linear"]
    assert "small_init_runs_converge" in failed(_tc_grid(name, {1e-2: kept}, lin_kept, grid), f"norms/tc_{name}")


def test_tc_other_inits_than_configured_fail():
    runs, lin = _tc_inputs("rank1_order3")
    grid = {**_grid("rank1_order3", runs, reps=1), "init_stds": [1e-3]}
    assert "small_init_runs_converge" in failed(_tc_grid("rank1_order3", runs, lin, grid), "norms/tc_rank1_order3")

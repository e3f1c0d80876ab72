"""Claims checks must pass on the right numbers and fail on deliberately wrong ones."""

import pytest

from implreg.norms.dmf import PAPER_OPTIONS, DMFProblem, DMFRun, train_dmf
from implreg.norms.dmf_claims import entry_claims, norms_claims
from implreg.norms.dmf_measures import measure

PROBLEM = DMFProblem.two_by_two(1.0, 1.0, 0.0, det_sign=1)
STOP = 1e-2


@pytest.fixture(scope="module")
def depth3():
    runs = [DMFRun(lr, init, b, s) for s, (lr, init) in enumerate([(0.02, 1e-3), (0.01, 1e-4)]) for b in (0, 1)]
    return measure(train_dmf(PROBLEM, 3, runs, PAPER_OPTIONS.replace(stop_loss=STOP, max_steps=10**6)))


def _by_id(claims):
    return {c.id: c for c in claims}


def test_entry_claims_pass_on_real_runs(depth3):
    rows, summaries = depth3
    claims = _by_id(entry_claims(rows, summaries, 3, STOP))
    assert all(c.passed for c in claims.values()), claims


def test_entry_claims_fail_when_w11_stays_small(depth3):
    rows, summaries = depth3
    wrong = [dict(s, final_w11=s["final_w11"] * 0.2) for s in summaries]  # |w11| far below 1/sqrt(2l)
    claims = _by_id(entry_claims(rows, wrong, 3, STOP))
    assert claims["runs_follow_theory"].passed is False
    assert claims["all_runs_grow"].passed is False
    assert all(c.paper is not None and c.tolerance_reason for c in claims.values())


def test_agreement_claim_fails_when_curves_differ(depth3):
    rows, summaries = depth3
    slow = {s["run"] for s in summaries if s["balanced"] and s["lr"] == 0.01}
    wrong = [dict(r, w11=r["w11"] * 1.5) if r["run"] in slow else r for r in rows]
    assert _by_id(entry_claims(wrong, summaries, 3, STOP))["smallest_settings_agree"].passed is False


def test_nonconverged_run_fails_claim(depth3):
    rows, summaries = depth3
    wrong = [dict(summaries[0], converged=False), *summaries[1:]]
    assert _by_id(entry_claims(rows, wrong, 3, STOP))["runs_reach_stop_loss"].passed is False


def test_depth2_claims_are_computed_not_null(depth3):
    """No threshold makes a claim null: the depth-2 claims are computed (the smoke preset declares them)."""
    rows, summaries = depth3
    claims = _by_id(entry_claims(rows, summaries, 2, STOP))
    assert claims["depth2_plateau"].passed is not None and claims["depth2_det_flips"].passed is not None
    # depth-3 runs on the theory curve contradict the depth-2 plateau and det flip
    assert claims["depth2_det_flips"].passed is False


def test_norms_claims_pass_and_fail(depth3):
    _, summaries = depth3
    good = _by_id(norms_claims({3: summaries}, STOP, 0.5))
    assert good["depth3_all_norms_grow"].passed and good["depth3_rank_falls"].passed
    shrunk = [dict(s, final_nuclear=0.1, final_sigma_min=0.5) for s in summaries]
    bad = _by_id(norms_claims({3: shrunk}, STOP, 0.5))
    assert bad["depth3_all_norms_grow"].passed is False and bad["depth3_rank_falls"].passed is False

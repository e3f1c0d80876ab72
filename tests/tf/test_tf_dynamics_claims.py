"""tf Fig. 3 claims: pass on a clean paper-like staircase, on several instances, with the paper's values."""

import numpy as np
import pytest

from implreg.claims import finalize
from implreg.tf.dynamics_claims import dynamics_claims


def _by_id(claims):
    return {c.id: c for c in claims}


def staircase_run(init_std, rise_steps, final_error, k=10, end=None, plateau=None):
    """A synthetic run: component j jumps to its plateau at rise_steps[j]; the error steps down with each."""
    end = end or (max(rise_steps) * 1.2 + 500)
    steps = np.arange(0, int(end), 25)
    norms = np.zeros((len(steps), k))
    err = np.ones(len(steps))
    n = len(rise_steps)
    for j, t in enumerate(sorted(rise_steps)):
        norms[steps >= t, j] = (plateau or [0.63, 0.59, 0.40, 0.31, 0.21, 0.2, 0.2, 0.2, 0.2, 0.2])[j]
        err[steps >= t] = 1.0 - (j + 1) / n * (1 - final_error)
    return {
        "init_std": init_std,
        "converged": True,
        "log_step": steps,
        "log_top_norms": norms,
        "log_recon_error": err,
        "final_recon_error": final_error,
        "log_mse": np.where(steps >= max(rise_steps) + 100, 1e-9, 1e-4 * err**2),  # fit: below the stop loss
    }


def paper_like():
    """Fig. 3 as the paper shows it: 0.005 and 0.01 in clean staircases, 0.05 many components at once."""
    return [
        staircase_run(0.005, [4200, 5300, 6900, 9800, 11300], 7e-6),
        staircase_run(0.01, [1100, 1700, 2300, 3600, 4000], 3e-2),
        staircase_run(0.05, [200, 225, 250, 275, 300, 325, 350], 8e-2, end=1500),
    ]


KW = {"order": 4, "log_every": 25, "min_loss": 1e-6, "stop_loss": 1e-8, "final_error_factor": 10.0}


def test_paper_like_dynamics_pass_every_claim_and_carry_paper_values():
    claims = dynamics_claims(paper_like(), 5, 0.05, **KW)
    assert all(c.passed for c in claims), [c.id for c in claims if not c.passed]
    finalize(claims, {}, "tf/cp_dynamics")  # raises if a claim lacks its paper value or tolerance reason
    assert _by_id(claims)["all_runs_converged"].required


def test_instances_report_their_fraction_and_need_a_majority_or_all():
    bad = paper_like()
    bad[0] = staircase_run(0.005, [4200, 5300, 6900, 9800, 11300, 12000], 7e-6)  # a 6th component
    claims = _by_id(dynamics_claims({0: paper_like(), 1: bad, 2: paper_like()}, 5, 0.05, **KW))
    c = claims["smallest_init_exactly_r_components_rise"]
    assert c.measured["fraction_of_instances"] == "2/3" and c.passed  # majority
    claims = _by_id(dynamics_claims({0: paper_like(), 1: bad}, 5, 0.05, **KW))
    assert claims["smallest_init_exactly_r_components_rise"].passed is False  # 1/2 is not a majority
    swapped = paper_like()
    swapped[0]["init_std"], swapped[1]["init_std"] = 0.01, 0.005  # the halved init rises first (and ends higher)
    claims = _by_id(dynamics_claims({0: paper_like(), 1: paper_like(), 2: swapped}, 5, 0.05, **KW))
    assert claims["emergence_later_for_smaller_init"].passed is False  # instance-free: every instance
    assert claims["smaller_init_lower_error"].passed is True  # instance-dependent (2/3 is a majority)


def test_final_error_claim_reads_the_error_once_fit_and_reports_the_one_at_the_stop():
    runs = paper_like()
    runs[0]["final_recon_error"] = 4e-3  # oscillated up by the stop, after reaching 7e-6 while fit
    c = _by_id(dynamics_claims(runs, 5, 0.05, **KW))["smallest_init_final_error_small"]
    assert c.passed and c.measured["data_seed 0"]["at_stop"] == 4e-3
    runs[0]["log_recon_error"] = np.maximum(runs[0]["log_recon_error"], 1e-2)  # never recovers W*
    assert _by_id(dynamics_claims(runs, 5, 0.05, **KW))["smallest_init_final_error_small"].passed is False


@pytest.mark.parametrize("gap", [25, 50])
def test_components_rising_a_log_interval_or_two_apart_fail(gap):
    runs = paper_like()
    runs[0] = staircase_run(0.005, [4200, 4200 + gap, 6900, 9800, 11300], 7e-6)
    claims = _by_id(dynamics_claims(runs, 5, 0.05, **KW))
    assert claims["smallest_init_components_rise_one_after_another"].passed is False


def test_emergence_barely_later_for_a_halved_init_fails_the_scaling():
    runs = paper_like()
    runs[0] = staircase_run(0.005, [1300, 5300, 6900, 9800, 11300], 7e-6)  # 1300/1100 = 1.2, init^-2 says 4
    claims = _by_id(dynamics_claims(runs, 5, 0.05, **KW))
    assert claims["emergence_later_for_smaller_init"].passed is False
    assert "0.005/0.01" in claims["emergence_later_for_smaller_init"].measured["data_seed 0"]["ratios"]


def test_smaller_init_less_often_clean_than_the_next_fails():
    spurious = paper_like()
    spurious[0] = staircase_run(0.005, [4200, 5300, 6900, 9800, 11300, 12000], 7e-6)  # a 6th at init 0.005
    claims = _by_id(dynamics_claims({0: spurious, 1: spurious, 2: paper_like()}, 5, 0.05, **KW))
    c = claims["smaller_init_more_often_clean"]
    assert c.passed is False and c.measured["data_seed 0"] == {"0.005": "1/3", "0.01": "3/3"}

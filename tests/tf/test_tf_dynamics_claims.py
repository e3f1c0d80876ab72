"""tf Fig. 2 claims pass on a staircase and fail on wrong dynamics."""

import numpy as np

from implreg.tf.dynamics_claims import dynamics_claims


def _by_id(claims):
    return {c.id: c for c in claims}


# ---------------------------------------------------------------- norms Fig. 2 (tensor completion)


def _staircase_run(init_std, rise_steps, final_error, k=10):
    steps = np.arange(0, 4000, 10)
    norms = np.zeros((len(steps), k))
    err = np.ones(len(steps))
    for j, t in enumerate(rise_steps):
        norms[steps >= t, j] = 0.6 - 0.1 * j
        err[steps >= t] = 1.0 - (j + 1) / len(rise_steps) * (1 - final_error)
    return {
        "init_std": init_std,
        "log_step": steps,
        "log_top_norms": norms,
        "log_recon_error": err,
        "final_recon_error": final_error,
        "log_mse": err**2,
    }


def test_dynamics_claims_pass_on_a_staircase():
    runs = [
        _staircase_run(0.005, [500, 1000, 1500, 2000, 2500], 1e-3),
        _staircase_run(0.05, [100, 110, 120, 130, 140, 150, 160], 8e-2),
    ]
    claims = _by_id(dynamics_claims(runs, target_rank=5, threshold=0.05, final_error_max=1e-2))
    assert all(c.passed for c in claims.values()), claims


def test_dynamics_claims_fail_when_components_rise_together_or_too_many():
    together = [_staircase_run(0.005, [500, 500, 500, 500, 500], 1e-3), _staircase_run(0.05, [100], 8e-2)]
    claims = _by_id(dynamics_claims(together, 5, 0.05, 1e-2))
    assert claims["smallest_init_rank_components_rise_in_turn"].passed is False
    assert claims["smallest_init_error_staircase"].passed is False
    seven = [_staircase_run(0.005, [300, 600, 900, 1200, 1500, 1800, 2100], 1e-3), _staircase_run(0.05, [100], 8e-2)]
    assert _by_id(dynamics_claims(seven, 5, 0.05, 1e-2))["smallest_init_rank_components_rise_in_turn"].passed is False


def test_dynamics_claims_fail_on_wrong_final_errors():
    runs = [_staircase_run(0.005, [500, 1000, 1500, 2000, 2500], 5e-2), _staircase_run(0.05, [100, 110, 120], 8e-2)]
    claims = _by_id(dynamics_claims(runs, 5, 0.05, 1e-2))
    assert claims["smallest_init_final_error_small"].passed is False
    assert claims["smaller_init_lower_error"].passed is False


# ---------------------------------------------------------------- tf Fig. 3 (natural data)

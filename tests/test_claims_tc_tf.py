"""Claims of the tensor-completion and tf figures: pass on the paper's picture, fail on a wrong one."""

import copy

import numpy as np

from implreg.norms_tc import tc_claims
from implreg.tf_dynamics_claims import dynamics_claims
from implreg.tf_natural_claims import natural_claims, table


def _by_id(claims):
    return {c.id: c for c in claims}


# ---------------------------------------------------------------- norms Fig. 2 (tensor completion)


def _tc_runs(err_small, err_large, rank_small, ns=(100, 200, 300), reps=3):
    def rows(err, rank):
        return [
            {"num_obs": n, "rep": r, "converged": True, "error": err(n), "rank": rank(n)}
            for n in ns
            for r in range(reps)
        ]

    return {1e-3: rows(err_small, rank_small), 1e-2: rows(err_large, lambda n: 1)}


LINEAR = [{"num_obs": 0, "what": "target", "error": 0.0, "rank": 1}] + [
    {"num_obs": n, "what": "linear", "error": 0.9, "rank": r} for n, r in ((100, 14), (200, 16), (300, 17))
]


def test_tc_claims_pass_on_paper_like_numbers():
    runs = _tc_runs(lambda n: 1e-6, lambda n: 1e-3, lambda n: 1)
    claims = _by_id(tc_claims(runs, LINEAR, 1, rank_from=100, error_from=200))
    assert all(c.passed for c in claims.values()), claims


def test_tc_claims_fail_on_wrong_numbers():
    bad_rank = _by_id(tc_claims(_tc_runs(lambda n: 1e-6, lambda n: 1e-3, lambda n: 3), LINEAR, 1, 100, 200))
    assert bad_rank["small_init_recovers_rank"].passed is False
    no_gain = _by_id(tc_claims(_tc_runs(lambda n: 1e-2, lambda n: 1e-3, lambda n: 1), LINEAR, 1, 100, 200))
    assert no_gain["small_init_beats_linear"].passed is False
    assert no_gain["smaller_init_lower_error"].passed is False
    flat_linear = [dict(r, rank=1) for r in LINEAR]
    assert (
        _by_id(tc_claims(_tc_runs(lambda n: 1e-6, lambda n: 1e-3, lambda n: 1), flat_linear, 1, 100, 200))[
            "linear_rank_high"
        ].passed
        is False
    )
    capped = _tc_runs(lambda n: 1e-6, lambda n: 1e-3, lambda n: 1)
    capped[1e-3][-1]["converged"] = False
    assert _by_id(tc_claims(capped, LINEAR, 1, 100, 200))["small_init_runs_converge"].passed is False


def test_tc_claims_untestable_when_preset_has_no_large_n():
    claims = _by_id(tc_claims(_tc_runs(lambda n: 1e-6, lambda n: 1e-3, lambda n: 1), LINEAR, 1, 1000, 1000))
    assert claims["small_init_recovers_rank"].passed is None
    assert claims["small_init_beats_linear"].passed is None


# ---------------------------------------------------------------- tf Fig. 2 (dynamics)


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


def _natural_results(orig_train, orig_test, rand_test_top, classes=(0, 1, 2)):
    def models(train, test_fn):
        return [
            {"R": R, "class": c, "train_mean_error": train(R), "test_mean_error": test_fn(R)}
            for R in (1, 5, 15)
            for c in classes
        ]

    var = [0.09] * len(classes)
    res = {
        ("mnist", "original"): {"models": models(lambda R: orig_train, lambda R: orig_test), "variance_baseline": var},
        ("mnist", "rand_labels"): {
            "models": models(lambda R: 0.09 - 0.002 * R, lambda R: 0.09 + (rand_test_top - 0.09) * (R - 1) / 14),
            "variance_baseline": var,
        },
    }
    return res


def test_natural_claims_pass_on_paper_like_numbers():
    rows = table(_natural_results(0.02, 0.025, 0.14))
    claims = _by_id(natural_claims(rows, epochs=1000, min_epochs=200))
    assert all(c.passed for c in claims.values()), claims


def test_natural_claims_fail_on_wrong_numbers():
    claims = _by_id(natural_claims(table(_natural_results(0.08, 0.085, 0.08)), 1000, 200))
    assert claims["mnist_original_fit_below_variance"].passed is False
    assert claims["mnist_original_test_stays_low"].passed is False
    assert claims["mnist_random_test_rises_above_variance"].passed is False
    res = _natural_results(0.02, 0.025, 0.14)
    for m in res[("mnist", "rand_labels")]["models"]:
        m["train_mean_error"] = 0.01  # random labels fit perfectly at R = 1: not what the paper shows
    assert _by_id(natural_claims(table(res), 1000, 200))["mnist_random_start_near_variance"].passed is False


def test_natural_claims_untested_with_too_few_epochs():
    claims = natural_claims(table(_natural_results(0.02, 0.025, 0.14)), epochs=3, min_epochs=200)
    assert all(c.passed is None for c in claims)
    assert copy.deepcopy(claims)[0].measured.startswith("not tested")


def test_tc_small_init_claims_untested_when_preset_cap_stops_the_runs():
    runs = _tc_runs(lambda n: 0.5, lambda n: 1e-3, lambda n: 2)
    for r in runs[1e-3]:
        r["converged"] = False
    capped = _by_id(tc_claims(runs, LINEAR, 1, 100, 200, capped_below_paper=True))
    assert capped["small_init_recovers_rank"].passed is None
    assert "step cap" in capped["small_init_recovers_rank"].measured
    # at the paper's cap the same numbers are failures
    full = _by_id(tc_claims(runs, LINEAR, 1, 100, 200, capped_below_paper=False))
    assert full["small_init_recovers_rank"].passed is False and full["small_init_runs_converge"].passed is False


def test_tc_legend_flags_runs_stopped_at_the_step_cap():
    from implreg.plotting.norms_figures import _capped_note

    rows = [{"converged": c} for c in [True] * 40 + [False] * 5]  # the paper's never-converging small N
    assert _capped_note(rows) == ""
    rows = [{"converged": c} for c in [True] * 5 + [False] * 40]
    assert _capped_note(rows) == " (40/45 runs stopped at the step cap)"

"""Tensor-completion claims (norms Fig. 2, appendix B) pass on paper-like numbers and fail on wrong ones."""

from implreg.norms.tc_claims import tc_claims


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


def test_tc_claims_fail_not_null_when_preset_has_no_large_n():
    claims = _by_id(tc_claims(_tc_runs(lambda n: 1e-6, lambda n: 1e-3, lambda n: 1), LINEAR, 1, 1000, 1000))
    assert claims["small_init_recovers_rank"].passed is False
    assert claims["small_init_beats_linear"].passed is False


def test_tc_capped_small_init_runs_fail_the_claims():
    """A run stopping at the step cap makes claims fail; only the preset's declaration can make them null."""
    runs = _tc_runs(lambda n: 0.5, lambda n: 1e-3, lambda n: 2)
    for r in runs[1e-3]:
        r["converged"] = False
    claims = _by_id(tc_claims(runs, LINEAR, 1, 100, 200))
    assert claims["small_init_recovers_rank"].passed is False and claims["small_init_runs_converge"].passed is False
    assert claims["small_init_runs_converge"].required


def test_tc_legend_flags_runs_stopped_at_the_step_cap():
    from implreg.norms.figures import _capped_note

    rows = [{"converged": c} for c in [True] * 40 + [False] * 5]  # the paper's never-converging small N
    assert _capped_note(rows) == ""
    rows = [{"converged": c} for c in [True] * 5 + [False] * 40]
    assert _capped_note(rows) == " (40/45 runs stopped at the step cap)"

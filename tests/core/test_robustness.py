"""The robustness core: Wilson intervals, per-instance outcomes from a claims function, rate rows."""

from __future__ import annotations

import math

import pytest

from implreg.claims import Claim
from implreg.errors import ConfigError
from implreg.robustness import instance_outcomes, outcome_rows, rate_rows, rate_text, wilson_interval


@pytest.mark.parametrize(
    "k, n, lo, hi",
    # reference values: the closed form evaluated independently (Wilson 1927; e.g. statsmodels'
    # proportion_confint(method="wilson")): 2/4 -> 15.0-85.0 %, as the issue quotes
    [
        (2, 4, 0.1500, 0.8500),
        (0, 16, 0.0, 0.1936),
        (16, 16, 0.8064, 1.0),
        (1, 4, 0.0456, 0.6994),
        (8, 32, 0.1325, 0.4210),
    ],
)
def test_wilson_interval_known_values(k, n, lo, hi):
    got = wilson_interval(k, n)
    assert got[0] == pytest.approx(lo, abs=5e-4) and got[1] == pytest.approx(hi, abs=5e-4)


def test_wilson_interval_contains_the_rate_and_narrows_with_n():
    for n in (4, 16, 64):
        for k in range(n + 1):
            lo, hi = wilson_interval(k, n)
            assert 0 <= lo <= k / n <= hi <= 1
    assert (
        wilson_interval(8, 16)[1] - wilson_interval(8, 16)[0] > wilson_interval(32, 64)[1] - wilson_interval(32, 64)[0]
    )


@pytest.mark.parametrize("k, n", [(-1, 4), (5, 4), (0, -1)])
def test_wilson_interval_refuses_impossible_counts(k, n):
    with pytest.raises(ValueError):
        wilson_interval(k, n)


def _claims_of(_key, value):
    """A toy figure: 'positive' holds when the instance's value is > 0, 'small' when |value| < 1."""
    return [
        Claim("positive", "value is positive", value, "> 0", value > 0),
        Claim("small", "value is small", value, "< 1", abs(value) < 1),
    ]


def test_rates_count_each_instance_once_through_the_claims_function():
    outcomes = instance_outcomes(_claims_of, {0: 0.5, 1: -0.5, 2: 2.0, 3: 0.1})
    rows = {r["claim"]: r for r in rate_rows("toy", outcomes, findings=["small"])}
    assert (rows["positive"]["k"], rows["positive"]["n"]) == (3, 4)
    assert (rows["small"]["k"], rows["small"]["n"]) == (3, 4)
    assert rows["small"]["finding"] and not rows["positive"]["finding"]
    assert math.isclose(rows["positive"]["wilson_lo"], wilson_interval(3, 4)[0])
    assert rate_text(rows["positive"]).startswith("3/4 (75 %, 95 % CI 30-95 %)")
    assert len(outcome_rows("toy", outcomes)) == 8


def test_an_untested_outcome_is_refused():
    with pytest.raises(ConfigError, match="no outcome"):
        instance_outcomes(lambda k, v: [Claim("x", "x", v, "", None)], {0: 1})


def test_instances_reporting_different_claims_are_refused():
    outcomes = instance_outcomes(_claims_of, {0: 0.5, 1: 2.0})
    del outcomes[1]["small"]
    with pytest.raises(ConfigError, match="different claims"):
        rate_rows("toy", outcomes)


def test_declared_untestable_claims_are_left_out_of_the_rates():
    outcomes = instance_outcomes(_claims_of, {0: 0.5, 1: 2.0})
    assert [r["claim"] for r in rate_rows("toy", outcomes, untestable=["small"])] == ["positive"]

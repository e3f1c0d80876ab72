"""The scale-free incremental-learning measures of the core (implreg.incremental)."""

import math

import numpy as np

from implreg.incremental import (
    emergence_separation,
    emergence_times,
    error_drops_at_rises,
    max_error_rise,
    threshold_crossings,
)

STEPS = np.arange(0, 1000, 10)


def _norms(rises, falls=(), k=6):
    norms = np.zeros((STEPS.size, k))
    for j, t in enumerate(rises):
        norms[STEPS >= t, j] = 0.5
    for j, t in falls:
        norms[STEPS >= t, j] = 0.0
    return -np.sort(-norms, axis=1)


def test_threshold_crossings_count_every_rise_and_fall():
    assert threshold_crossings(_norms([100, 300]), 0.05) == {"rises": 2, "falls": 0, "n_max": 2, "n_final": 2, "k": 6}
    spurious = threshold_crossings(_norms([100, 300, 500], falls=[(2, 700)]), 0.05)
    assert spurious["rises"] == 3 and spurious["falls"] == 1 and spurious["n_final"] == 2
    with_nan = np.vstack([_norms([100]), np.full((3, 6), np.nan)])
    assert threshold_crossings(with_nan, 0.05)["n_final"] == 1  # a finished run's NaN tail is dropped


def test_emergence_separation_is_relative_to_the_later_time():
    sep = emergence_separation([100, 400, 500])
    assert sep["gaps"] == [300, 100] and math.isclose(sep["min_relative_gap"], 0.2)
    assert math.isnan(emergence_separation([100, -1])["min_relative_gap"])
    assert emergence_separation(emergence_times(STEPS, _norms([200, 200]), 0.05)[:2])["min_gap"] == 0


def test_error_drops_at_rises_give_each_rise_its_step():
    err = np.ones(STEPS.size)
    err[STEPS >= 100] = 0.6
    err[STEPS >= 300] = 0.1
    assert np.allclose(error_drops_at_rises(STEPS, err, [100, 300], 0.01), [0.4, 0.59])
    assert np.allclose(error_drops_at_rises(STEPS, err, [100, 100], 0.01), [0.0, 0.99])  # together: one gets 0
    assert math.isnan(error_drops_at_rises(STEPS, err, [100, -1])[1])


def test_max_error_rise_over_the_running_minimum():
    err = np.array([1.0, 0.5, 0.6, 0.4, 0.45, 0.1])
    assert math.isclose(max_error_rise(err), 0.1)
    assert math.isclose(max_error_rise(err, upto=2), 0.0)
    assert max_error_rise(np.array([1.0, 0.5, 0.2])) == 0.0

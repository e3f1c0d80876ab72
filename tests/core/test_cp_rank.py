"""Tests for the CP-rank estimate (implreg.cp_rank). On the paper's own instance: tests/norms/test_paper_instances.py."""

from __future__ import annotations

import numpy as np
import pytest

from implreg.cp import make_cp_target
from implreg.cp_rank import cp_als, estimate_cp_rank


@pytest.mark.parametrize("rank", [1, 2, 3])
def test_cp_als_fits_exact_rank(rank):
    t, _ = make_cp_target(3, 8, rank, seed=10 + rank)
    factors, mse = cp_als(t, rank, seed=0)
    assert mse < 1e-6
    assert [f.shape for f in factors] == [(8, rank)] * 3


@pytest.mark.parametrize("rank", [1, 2, 3])
def test_estimate_known_rank(rank):
    t, _ = make_cp_target(3, 8, rank, seed=100 + rank)
    assert estimate_cp_rank(t, max_rank=64) == rank


def test_zero_nonfinite_and_determinism():
    assert estimate_cp_rank(np.zeros((4, 4, 4)), max_rank=16) == 0
    bad = np.ones((4, 4, 4))
    bad[0, 0, 0] = np.nan
    assert np.isnan(estimate_cp_rank(bad, max_rank=16))
    rng = np.random.default_rng(0)
    noisy = rng.standard_normal((6, 6, 6)) / 15  # a generic (full-rank) tensor: fits depend on the starts
    runs = [estimate_cp_rank(noisy, max_rank=36, seed=7, max_sweeps=200) for _ in range(2)]
    assert runs[0] == runs[1] and 1 < runs[0] <= 36

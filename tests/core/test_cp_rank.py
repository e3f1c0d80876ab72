"""Tests for the CP-rank estimate (implreg.cp_rank), including the shipped reference instance."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from conftest import find_shared_data

from implreg.cp import linear_baseline, make_cp_target
from implreg.cp_rank import cp_als, estimate_cp_rank


def shared_data_dir() -> Path:
    """The project's shared data folder (see conftest.find_shared_data)."""
    return find_shared_data()


REFERENCE = "norms-reference/tensor_rank_1_fro_1_order_3_dim_8.npz"


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


def test_reference_instance_linear_baseline_ranks():
    """The paper's Fig. 2 (order 3) linear-baseline ranks: 12 / 16 / 17 / 2 at N = 50 / 150 / 300 / 511.

    Measured with this implementation (seed 0, 3 restarts): 11 / 16 / 17 / 2; the ALS-based estimate is
    approximate, so allow ±2.
    """
    path = shared_data_dir() / REFERENCE
    if not path.is_file():
        pytest.fail(
            f"reference data {path} is missing: restore /work/shared/data or set IMPLREG_SHARED_DATA "
            f"to the folder that holds {REFERENCE}."
        )
    with np.load(path) as d:
        target = d["target_tensor"].astype(np.float64)
        perm = d["train_indices_order"]
        assert int(d["target_cp_rank"]) == 1
    assert estimate_cp_rank(target, max_rank=64) == 1
    expected = {50: 12, 150: 16, 300: 17, 511: 2}
    got = {n: estimate_cp_rank(linear_baseline(target, perm[:n]), max_rank=64) for n in expected}
    for n, want in expected.items():
        assert abs(got[n] - want) <= 2, (got, expected)

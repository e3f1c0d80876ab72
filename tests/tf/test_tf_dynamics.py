"""Tests for E1, the incremental learning dynamics of CP tensor factorization (implreg.tf.dynamics)."""

from __future__ import annotations

import itertools
import math

import numpy as np
import pytest
import torch

from implreg.engine import torch_threads
from implreg.errors import ConfigError
from implreg.incremental import component_norms, emergence_times, incremental_summary, staircase
from implreg.tf.dynamics import (
    PAPER_OPTIONS,
    _stop_metric_loss,
    make_completion_data,
    make_dataset,
    make_sensing_tensors,
    make_target,
    per_run_loss,
    split_runs,
    top_component_norms,
    train_dynamics,
)


@pytest.fixture(autouse=True)
def _one_torch_thread():
    """Tiny problems: 1 thread is fastest and avoids 10-50x slowdowns when other jobs share the cores."""
    with torch_threads(1):
        yield


def _unfolding_rank(t: np.ndarray, mode: int) -> int:
    sv = np.linalg.svd(np.moveaxis(t, mode, 0).reshape(t.shape[mode], -1), compute_uv=False)
    return int((sv > 1e-10 * sv[0]).sum())


# --- data -------------------------------------------------------------------------------------------------


def test_target_norm_rank_and_determinism():
    t = make_target([4, 5, 6], rank=2, seed=3)
    assert t.shape == (4, 5, 6) and t.dtype == np.float64
    assert abs(np.linalg.norm(t) - 1) < 1e-12
    assert [_unfolding_rank(t, m) for m in range(3)] == [2, 2, 2]
    assert np.array_equal(t, make_target([4, 5, 6], rank=2, seed=3))
    assert not np.allclose(t, make_target([4, 5, 6], rank=2, seed=4))
    assert abs(np.linalg.norm(make_target([3, 3], 1, seed=0, fro_norm=2.5)) - 2.5) < 1e-12


def test_super_symmetric_target():
    t = make_target([4, 4, 4], rank=3, seed=1, super_symmetric=True)
    for perm in itertools.permutations(range(3)):
        np.testing.assert_allclose(np.transpose(t, perm), t, atol=1e-15)
    with pytest.raises(ConfigError):
        make_target([4, 5, 4], rank=3, seed=1, super_symmetric=True)


def test_completion_indices_and_values():
    target = make_target([5, 6, 7], 2, seed=0)
    d = make_completion_data(target, 50, seed=9)
    idx = d["indices"]
    assert idx.dtype == np.int64 and idx.shape == (50,) and np.unique(idx).size == 50
    assert idx.min() >= 0 and idx.max() < target.size
    np.testing.assert_array_equal(d["values"], target[np.unravel_index(idx, target.shape)])
    # Nested in m: the observation set is a prefix of one seeded permutation.
    np.testing.assert_array_equal(make_completion_data(target, 80, seed=9)["indices"][:50], idx)
    with pytest.raises(ConfigError):
        make_completion_data(target, target.size + 1, seed=0)


def test_dataset_target_does_not_depend_on_observations():
    a = make_dataset([4, 4, 4], 2, 10, seed=5)
    b = make_dataset([4, 4, 4], 2, 30, seed=5, task="sensing")
    np.testing.assert_array_equal(a["target"], b["target"])
    assert a["task"] == "completion" and "sensing" not in a and "indices" not in b


@pytest.mark.parametrize("sensing_rank", [None, 2])
def test_sensing_targets_are_inner_products(sensing_rank):
    d = make_dataset([3, 4, 5], 2, 40, seed=2, task="sensing", sensing_rank=sensing_rank)
    xs = d["sensing"]
    assert xs.shape == (40, 60)
    want = [float(np.sum(x.reshape(3, 4, 5) * d["target"])) for x in xs]
    np.testing.assert_allclose(d["values"], want, rtol=1e-12, atol=1e-15)
    if sensing_rank is not None:
        np.testing.assert_allclose(np.linalg.norm(xs, axis=1), 1.0, rtol=1e-12)
        assert max(_unfolding_rank(xs[0].reshape(3, 4, 5), m) for m in range(3)) <= sensing_rank


def test_gaussian_sensing_entry_variance():
    xs = make_sensing_tensors([10, 10, 10], 50, seed=0)
    assert abs(xs.var() * 1000 - 1) < 0.02 and abs(xs.mean()) < 1e-3


# --- losses and component norms ---------------------------------------------------------------------------


def test_losses_on_hand_example():
    pred = torch.tensor([[1.0, -2.0, 0.5], [0.0, 0.0, 0.0]], dtype=torch.float64)
    y = torch.zeros(3, dtype=torch.float64)
    np.testing.assert_allclose(per_run_loss(pred, y, "l2").numpy(), [(1 + 4 + 0.25) / 3, 0])
    np.testing.assert_allclose(per_run_loss(pred, y, "l1").numpy(), [3.5 / 3, 0])
    # SmoothL1, β = 1: |d| ≥ 1 → |d| − ½; |d| < 1 → ½d².
    np.testing.assert_allclose(per_run_loss(pred, y, "huber", 1.0).numpy(), [(0.5 + 1.5 + 0.125) / 3, 0])
    # β = 4: every |d| < β → ½d²/β.
    np.testing.assert_allclose(per_run_loss(pred, y, "huber", 4.0).numpy()[0], (1 + 4 + 0.25) / 24)
    with pytest.raises(ConfigError):
        per_run_loss(pred, y, "l3")


@pytest.mark.parametrize("loss", ["l1", "huber"])
def test_stop_metric_is_mse_but_gradient_is_the_objective(loss):
    pred = torch.tensor([[1.0, -2.0, 0.5]], dtype=torch.float64, requires_grad=True)
    y = torch.tensor([0.2, 0.0, 0.1], dtype=torch.float64)
    val = _stop_metric_loss(pred, y, loss, 0.7)
    assert float(val.detach()) == float(per_run_loss(pred.detach(), y, "l2"))
    (g,) = torch.autograd.grad(val.sum(), pred)
    (want,) = torch.autograd.grad(per_run_loss(pred, y, loss, 0.7).sum(), pred)
    torch.testing.assert_close(g, want)


def test_top_k_component_norms_sorted_and_direct():
    g = torch.Generator().manual_seed(0)
    factors = [torch.randn(2, d, 6, generator=g, dtype=torch.float64) for d in (3, 4, 5)]
    top = top_component_norms(factors, k=4)
    assert top.shape == (2, 4)
    assert bool((top[:, :-1] >= top[:, 1:]).all())
    for run in range(2):
        direct = []
        for r in range(6):
            a, b, c = (f[run, :, r] for f in factors)
            direct.append(float(torch.einsum("i,j,k->ijk", a, b, c).norm()))
        np.testing.assert_allclose(component_norms(factors)[run].numpy(), direct, rtol=1e-12)
        np.testing.assert_allclose(top[run].numpy(), sorted(direct, reverse=True)[:4], rtol=1e-12)
    assert top_component_norms(factors, k=50).shape == (2, 6)  # k > R: all R, still sorted


# --- analysis helpers on synthetic histories --------------------------------------------------------------

STEPS = np.arange(0, 10_000, 25)


def _sorted_norms(rise_times: list[float], plateaus: list[float], k: int = 10, width: float = 40.0) -> np.ndarray:
    """Synthetic top-k history: sigmoids rising at ``rise_times`` to ``plateaus``, rest ~0, sorted per row."""
    curves = [h / (1 + np.exp(-(STEPS - t0) / width)) for t0, h in zip(rise_times, plateaus, strict=True)]
    curves += [np.full(STEPS.shape, 1e-4)] * (k - len(curves))
    return -np.sort(-np.stack(curves, axis=1), axis=1)


def test_emergence_times_incremental():
    norms = _sorted_norms([900, 1500, 3100, 5700, 8000], [0.7, 0.5, 0.4, 0.3, 0.15])
    times = emergence_times(STEPS, norms, threshold=0.05)
    assert times[5:].tolist() == [-1] * 5
    # Each rank crosses 0.05 shortly before its sigmoid's midpoint.
    assert np.all((times[:5] < [900, 1500, 3100, 5700, 8000]) & (times[:5] > [700, 1300, 2900, 5500, 7800]))
    s = incremental_summary(STEPS, norms, 0.05, expected_rank=5)
    assert s["incremental"] and s["distinct"] and s["n_emerged"] == s["n_above_final"] == 5


def test_incremental_summary_fails_when_two_rise_together():
    norms = _sorted_norms([900, 1500, 1500, 5700, 8000], [0.7, 0.5, 0.4, 0.3, 0.15])
    s = incremental_summary(STEPS, norms, 0.05, expected_rank=5)
    assert s["n_emerged"] == 5 and not s["distinct"] and not s["incremental"]


def test_incremental_summary_fails_when_seven_rise():
    norms = _sorted_norms([900, 1500, 3100, 4000, 5700, 7000, 8000], [0.7, 0.5, 0.4, 0.35, 0.3, 0.2, 0.15])
    s = incremental_summary(STEPS, norms, 0.05, expected_rank=5)
    assert s["distinct"] and s["n_emerged"] == 7 and not s["incremental"]
    assert incremental_summary(STEPS, norms, 0.05)["incremental"]  # without r* it only checks the order


def test_incremental_summary_counts_a_component_that_rises_and_falls():
    norms = _sorted_norms([900, 1500], [0.7, 0.5])
    norms[100:150, 2] = 0.1  # a spurious 3rd component, gone by the end
    s = incremental_summary(STEPS, norms, 0.05, expected_rank=2)
    assert s["n_emerged"] == 3 and s["n_above_final"] == 2 and not s["incremental"]


def _step_curve(drops: list[float], levels: list[float], width: float = 30.0) -> np.ndarray:
    err = np.full(STEPS.shape, 1.0)
    prev = 1.0
    for t0, lvl in zip(drops, levels, strict=True):
        err -= (prev - lvl) / (1 + np.exp(-(STEPS - t0) / width))
        prev = lvl
    return err


def test_staircase_counts_steps():
    err = _step_curve([900, 1500, 3100, 5700, 8000], [0.82, 0.56, 0.39, 0.22, 1e-3])
    s = staircase(STEPS, err)
    assert s["n_drops"] == 5 and s["n_rises"] == 0 and s["n_plateaus"] == 6
    np.testing.assert_allclose(s["plateau_levels"], [1.0, 0.82, 0.56, 0.39, 0.22, 1e-3], atol=0.01)
    assert np.all(np.abs(np.asarray(s["drop_steps"]) - [900, 1500, 3100, 5700, 8000]) <= 50)
    # A finished run's NaN tail and a long converged tail change nothing.
    padded = np.concatenate([err, np.full(4000, 1e-3), np.full(50, np.nan)])
    assert staircase(np.arange(padded.size) * 25, padded)["n_drops"] == 5


def test_staircase_smooth_decay_is_one_drop():
    err = np.where(STEPS < 200, 1.0, 0.08 + 0.92 * np.exp(-np.clip(STEPS - 200, 0, None) / 300))
    s = staircase(STEPS[:200], err[:200])  # stop at 5000 steps, as the σ = 0.05 run does
    assert s["n_drops"] == 1 and s["n_plateaus"] == 2
    # A bump (the 6th spurious component of σ = 0.01 lifts the error, then it falls back) adds a rise.
    bump = _step_curve([900, 1500], [0.6, 0.3]) + 0.1 * np.exp(-(((STEPS - 5000) / 200.0) ** 2))
    b = staircase(STEPS, bump)
    assert b["n_drops"] == 3 and b["n_rises"] == 1  # the bump's way up is a rise, its way down a drop


# --- end to end ---------------------------------------------------------------------------------------------


def test_small_run_learns_incrementally():
    """Order 3, 5×5×5, r* = 2, R = 25, 60 observed entries: two components rise, one after the other."""
    ds = make_dataset([5, 5, 5], 2, 60, seed=0)
    res = train_dynamics(
        ds, [3e-3], opts=PAPER_OPTIONS.replace(max_steps=4000, stop_loss=1e-5, stop_patience=2), seeds=0, R=25, top_k=5
    )
    assert res["converged"].tolist() == [True] and res["steps"][0] % 25 == 0 and res["R"] == 25
    (run,) = split_runs(res)
    n_logs = run["log_step"].size
    assert run["log_top_norms"].shape == (n_logs, 5) and run["log_recon_error"].shape == (n_logs,)
    assert abs(run["log_recon_error"][0] - 1) < 1e-3  # tiny init: W ≈ 0
    assert run["final_recon_error"] < 0.1
    s = incremental_summary(run["log_step"], run["log_top_norms"], 0.05, expected_rank=2)
    assert s["incremental"], s
    assert s["emergence_times"][1] - s["emergence_times"][0] >= 250
    assert staircase(run["log_step"], run["log_recon_error"])["n_drops"] == 2
    assert run["final_mse"] < 1e-5 and math.isclose(run["final_mse"], run["final_objective"])


@pytest.mark.parametrize("loss", ["l1", "huber"])
def test_other_losses_log_objective_and_stop_on_mse(loss):
    ds = make_dataset([4, 4, 4], 1, 30, seed=1)
    res = train_dynamics(
        ds, [0.05, 0.01], opts=PAPER_OPTIONS.replace(max_steps=200), seeds=[0, 1], R=16, loss=loss, huber_beta=0.01
    )
    obj = res["log_objective"]
    assert obj.shape == res["log_mse"].shape == (2, 8)
    assert not np.allclose(obj, res["log_mse"])  # MSE under log_mse, the training loss under log_objective
    assert np.all(res["final_objective"] < obj[:, 0])


def test_sensing_and_gd_train():
    ds = make_dataset([4, 4, 4], 1, 40, seed=2, task="sensing", sensing_rank=1)
    res = train_dynamics(
        ds, [0.1], opts=PAPER_OPTIONS.replace(optimizer="gd", lr=5.0, max_steps=300, stop_loss=None), R=16
    )
    assert res["steps"].tolist() == [300] and not res["converged"][0]
    assert res["final_mse"][0] < 0.01 * res["log_mse"][0, 0]


def test_init_mean_and_factors_returned():
    ds = make_dataset([3, 3], 1, 5, seed=0)
    res = train_dynamics(ds, [1e-3], opts=PAPER_OPTIONS.replace(max_steps=0), R=3, init_mean=1.0, return_factors=True)
    for n in range(2):
        np.testing.assert_allclose(res[f"factor_{n}"], 1.0, atol=0.01)


def test_memory_lower_bound_of_the_issue_27_shape():
    from implreg.tf.dynamics import memory_lower_bound

    assert memory_lower_bound([10, 10, 10, 10], None, 3, 2000)[0] < 50 * 2**20
    need, what = memory_lower_bound([100] * 8, None, 3, 2000)
    assert need > 2**60 and "R = 1e+14" in what

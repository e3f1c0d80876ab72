"""Tests for the batched training engine (implreg.engine)."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from implreg.engine import TrainOptions, torch_threads, train_batched
from implreg.errors import ConfigError, DivergenceError


@pytest.fixture(autouse=True)
def _one_torch_thread():
    """Tiny problems: 1 thread is fastest and avoids 10-50x slowdowns when other jobs share the cores."""
    with torch_threads(1):
        yield


def _quadratic(ps, data):
    """Per-run ½‖p − c‖² summed over both parameter tensors; targets c come from run_data."""
    a, b = ps
    ca, cb = data
    return 0.5 * ((a - ca).pow(2).flatten(1).sum(1) + (b - cb).pow(2).flatten(1).sum(1))


def _quartic(ps, data):
    """A non-convex-ish per-run loss so trajectories are not trivially linear."""
    (w,) = ps
    (c,) = data
    prod = w[:, 0] * w[:, 1] * w[:, 2]
    return (prod - c).pow(2).sum(1)


def _problem(n_runs: int, seed: int = 0):
    g = torch.Generator().manual_seed(seed)
    a = torch.randn(n_runs, 3, 2, generator=g, dtype=torch.float64)
    b = torch.randn(n_runs, 4, generator=g, dtype=torch.float64)
    ca = torch.randn(n_runs, 3, 2, generator=g, dtype=torch.float64)
    cb = torch.randn(n_runs, 4, generator=g, dtype=torch.float64)
    return [a, b], [ca, cb]


def test_adaptive_first_step_has_length_lr():
    # At t = 1, v̂ = ‖g‖², so the step is lr·‖g‖/(‖g‖ + eps) ≈ lr in Euclidean length over all params of a run.
    params, data = _problem(3)
    lr = torch.tensor([1e-2, 3e-3, 1e-1], dtype=torch.float64)
    res = train_batched(params, _quadratic, TrainOptions(lr=lr, optimizer="adaptive", max_steps=1), run_data=data)
    delta = torch.cat([(p1 - p0).flatten(1) for p1, p0 in zip(res.params, params, strict=True)], 1)
    np.testing.assert_allclose(delta.norm(dim=1).numpy(), lr.numpy(), rtol=1e-5)
    assert res.steps.tolist() == [1, 1, 1] and not res.converged.any()


def test_gd_matches_hand_computed_step():
    params, data = _problem(2)
    res = train_batched(params, _quadratic, TrainOptions(lr=0.1, optimizer="gd", max_steps=1), run_data=data)
    for p1, p0, c in zip(res.params, params, data, strict=True):
        torch.testing.assert_close(p1, p0 - 0.1 * (p0 - c), rtol=0, atol=1e-15)


def test_adaptive_second_step_matches_formula():
    params, data = _problem(1)
    lr, beta, eps = 0.05, 0.9, 1e-6
    opts = TrainOptions(lr=lr, optimizer="adaptive", beta=beta, eps=eps, max_steps=2)
    res = train_batched(params, _quadratic, opts, run_data=data)
    p = [x.clone() for x in params]
    v = 0.0
    for t in (1, 2):
        g = [x - c for x, c in zip(p, data, strict=True)]
        v = beta * v + (1 - beta) * sum(float(x.pow(2).sum()) for x in g)
        step = lr / (np.sqrt(v / (1 - beta**t)) + eps)
        p = [x - step * gx for x, gx in zip(p, g, strict=True)]
    for got, want in zip(res.params, p, strict=True):
        torch.testing.assert_close(got, want, rtol=0, atol=1e-14)


@pytest.mark.parametrize("optimizer", ["gd", "adaptive"])
def test_batched_equals_one_at_a_time(optimizer):
    g = torch.Generator().manual_seed(1)
    w = 0.5 + 0.3 * torch.randn(4, 3, 5, generator=g, dtype=torch.float64)
    c = torch.randn(4, 5, generator=g, dtype=torch.float64)
    lr = torch.tensor([1e-2, 2e-2, 5e-3, 1e-2], dtype=torch.float64)
    kw = {"optimizer": optimizer, "max_steps": 2000, "check_every": 50, "stop_loss": 1e-8}
    batched = train_batched([w], _quartic, TrainOptions(lr=lr, **kw), run_data=[c])
    assert len(set(batched.steps.tolist())) > 1  # runs finish at different steps: compaction is exercised
    for i in range(4):
        solo = train_batched([w[i : i + 1]], _quartic, TrainOptions(lr=lr[i : i + 1], **kw), run_data=[c[i : i + 1]])
        assert solo.steps[0] == batched.steps[i]
        assert solo.converged[0] == batched.converged[i]
        torch.testing.assert_close(solo.params[0][0], batched.params[0][i], rtol=0, atol=1e-12)


def test_finished_runs_are_compacted_and_stop():
    # Same problem, very different learning rates: the fast run finishes first and leaves the batch.
    params, data = _problem(3)
    params = [p[[0, 0, 0]] for p in params]
    data = [d[[0, 0, 0]] for d in data]
    lr = torch.tensor([0.5, 0.05, 1e-4], dtype=torch.float64)
    seen: list[tuple[int, list[int], int]] = []

    def log_fn(step, run_ids, ps, losses):
        seen.append((step, run_ids.tolist(), ps[0].shape[0]))
        return {"a00": ps[0][:, 0, 0]}

    opts = TrainOptions(
        lr=lr, optimizer="gd", max_steps=2000, check_every=10, stop_loss=1e-10, stop_patience=2, log_every=10
    )
    res = train_batched(params, _quadratic, opts, log_fn=log_fn, run_data=data)
    assert res.converged.tolist() == [True, True, False]
    assert res.steps[0] < res.steps[1] < res.steps[2] == 2000
    assert all(s % 10 == 0 for s in res.steps[:2]) and res.steps[0] >= 30  # patience 2 → ≥ 3 hits
    # The batch shrank: after run 0 stopped, only runs 1 and 2 were passed to the loss / logger.
    after = [(ids, n) for step, ids, n in seen if step >= res.steps[0]]
    assert after and all(0 not in ids and n == len(ids) for ids, n in after)
    assert res.final_loss[0] < 1e-10 and res.final_loss[2] > 1e-10
    # History: one column per log step, NaN once a run is gone.
    h = res.history
    assert h["loss"].shape == (3, len(h["step"])) and h["a00"].shape == h["loss"].shape
    gone = h["step"] >= res.steps[0]
    assert np.isnan(h["loss"][0, gone]).all() and np.isfinite(h["loss"][2]).all()
    # Final params of finished runs are stored (not overwritten by later steps of other runs).
    for p, c in zip(res.params, data, strict=True):
        assert float((p[0] - c[0]).abs().max()) < 1e-4


def test_divergence_raises_with_step_and_run():
    params, data = _problem(2)
    lr = torch.tensor([0.1, 1e3], dtype=torch.float64)  # run 1: |1 − lr| ≫ 1 → blows up to inf/NaN
    with pytest.raises(DivergenceError) as err:
        opts = TrainOptions(lr=lr, optimizer="gd", max_steps=10_000)
        train_batched(params, _quadratic, opts, run_data=data, run_names=["ok", "bad"])
    e = err.value
    assert e.run == "bad" and 50 < e.step < 10_000 and np.isfinite(e.last_finite_loss)
    assert f"step {e.step}" in str(e) and "run bad" in str(e) and "learning rate" in str(e)


def test_divergence_step_exact_with_sparse_nan_checks(monkeypatch):
    # The accelerator path syncs only at checks but must still name the first non-finite step.
    from implreg import engine

    params, data = _problem(2)
    lr = torch.tensor([0.1, 1e3], dtype=torch.float64)
    opts = TrainOptions(lr=lr, optimizer="gd", max_steps=10_000)
    with pytest.raises(DivergenceError) as dense:
        train_batched(params, _quadratic, opts, run_data=data)
    monkeypatch.setattr(engine, "_nan_check_every", lambda dev, check_every: 37)
    with pytest.raises(DivergenceError) as sparse:
        train_batched(params, _quadratic, opts, run_data=data)
    assert sparse.value.step == dense.value.step
    assert sparse.value.last_finite_loss == dense.value.last_finite_loss


def test_max_steps_means_not_converged():
    params, data = _problem(2)
    opts = TrainOptions(lr=1e-3, optimizer="adaptive", max_steps=250, check_every=10, stop_loss=1e-12)
    res = train_batched(params, _quadratic, opts, run_data=data)
    assert res.steps.tolist() == [250, 250] and res.converged.tolist() == [False, False]
    np.testing.assert_allclose(res.final_loss, _quadratic(res.params, data).numpy())


def test_torch_threads_restores_setting():
    before = torch.get_num_threads()
    with torch_threads(1):
        assert torch.get_num_threads() == 1
    assert torch.get_num_threads() == before


def test_options_validate_and_split():
    with pytest.raises(ConfigError, match="optimizer"):
        TrainOptions(optimizer="adam")
    with pytest.raises(ConfigError, match="dtype"):
        TrainOptions(dtype="float16")
    with pytest.raises(ConfigError, match="check_every"):
        TrainOptions(check_every=0)
    assert TrainOptions(max_steps=5.0e5).max_steps == 500_000 and TrainOptions().torch_dtype == torch.float64
    opts, rest = TrainOptions().split({"lr": 0.5, "stop_loss": 1e-3, "top_k": 4}, progress_label="x")
    assert (opts.lr, opts.stop_loss, opts.progress_label) == (0.5, 1e-3, "x") and rest == {"top_k": 4}


def test_history_arrays_names_and_stacks():
    from implreg.engine import history_arrays

    h = {"step": np.array([0, 5]), "loss": np.ones((2, 2)), "n_0": np.zeros((2, 2)), "n_1": np.ones((2, 2))}
    out = history_arrays(h, 2, {"loss": "log_mse"}, {"log_n": ("n_", None)})
    assert list(out) == ["log_step", "log_mse", "log_n"] and out["log_n"].shape == (2, 2, 2)
    empty = history_arrays({}, 3, {"loss": "log_mse"}, {"log_n": ("n_", 4)})
    assert empty["log_mse"].shape == (3, 0) and empty["log_n"].shape == (3, 0, 4)

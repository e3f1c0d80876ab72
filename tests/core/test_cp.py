"""Tests for CP tensor factorization / completion (implreg.cp)."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from implreg.cp import (
    COMPLETION_OPTIONS,
    cp_reconstruct,
    cp_reconstruct_np,
    default_cp_components,
    linear_baseline,
    make_cp_target,
    reconstruction_error,
    train_cp_completion,
)
from implreg.engine import torch_threads
from implreg.errors import ConfigError


@pytest.fixture(autouse=True)
def _one_torch_thread():
    """Tiny problems: 1 thread is fastest and avoids 10-50x slowdowns when other jobs share the cores."""
    with torch_threads(1):
        yield


def test_reconstruct_rank1_outer_product():
    a, b, c = (torch.arange(1.0, n + 1, dtype=torch.float64) for n in (2, 3, 4))
    want = torch.einsum("i,j,k->ijk", a, b, c)
    got = cp_reconstruct([a[:, None], b[:, None], c[:, None]], batched=False)
    torch.testing.assert_close(got, want)
    batched = cp_reconstruct([torch.stack([x[:, None], 2 * x[:, None]]) for x in (a, b, c)])
    torch.testing.assert_close(batched, torch.stack([want, 8 * want]))


@pytest.mark.parametrize("order", [1, 2, 3, 4, 5])
def test_reconstruct_matches_einsum(order):
    g = torch.Generator().manual_seed(order)
    fs = [torch.randn(3, 2 + m, 5, generator=g, dtype=torch.float64) for m in range(order)]
    letters = "abcde"[:order]
    want = torch.einsum(",".join(f"z{m}r" for m in letters) + f"->z{letters}", *fs)
    torch.testing.assert_close(cp_reconstruct(fs), want)
    np.testing.assert_allclose(cp_reconstruct_np([f[1].numpy() for f in fs]), want[1].numpy(), atol=1e-12)


def test_make_cp_target_norm_determinism_and_rank():
    t, perm = make_cp_target(3, 8, 1, seed=5)
    assert t.shape == (8, 8, 8) and t.dtype == np.float64
    assert abs(np.linalg.norm(t) - 1) < 1e-12
    assert np.array_equal(np.sort(perm), np.arange(512))
    t2, perm2 = make_cp_target(3, 8, 1, seed=5)
    assert np.array_equal(t, t2) and np.array_equal(perm, perm2)
    t3, perm3 = make_cp_target(3, 8, 1, seed=6)
    assert not np.allclose(t, t3) and not np.array_equal(perm, perm3)
    sv = np.linalg.svd(t.reshape(8, 64), compute_uv=False)
    assert sv[1] < 1e-12 * sv[0]  # rank 1 in every unfolding
    t4, _ = make_cp_target(4, 3, 2, seed=0, dtype=np.float32)
    assert t4.shape == (3, 3, 3, 3) and t4.dtype == np.float32


def test_default_components():
    assert default_cp_components((8, 8, 8)) == 64
    assert default_cp_components((8, 8, 8, 8)) == 512
    assert default_cp_components((2, 9, 3)) == 6


def test_linear_baseline_and_error():
    t, perm = make_cp_target(3, 4, 1, seed=0)
    obs = perm[:20]
    lin = linear_baseline(t, obs)
    assert np.array_equal(lin.reshape(-1)[obs], t.reshape(-1)[obs])
    assert np.count_nonzero(lin.reshape(-1)[perm[20:]]) == 0
    want = np.sqrt(np.sum(t.reshape(-1)[perm[20:]] ** 2))  # ‖T‖ = 1
    assert abs(reconstruction_error(lin, t) - want) < 1e-12
    assert reconstruction_error(t, t) == 0.0


def test_full_observation_fit_reaches_stop_threshold():
    t, perm = make_cp_target(3, 4, 1, seed=1)
    opts = COMPLETION_OPTIONS.replace(max_steps=20_000)
    res = train_cp_completion(t, [perm, perm[:60]], init_stds=[1e-2, 1e-2], seeds=[0, 1], opts=opts)
    assert res["R"] == 16 and res["tensors"].shape == (2, 4, 4, 4)
    assert res["converged"].all() and (res["final_mse"] < 1e-6).all()
    assert np.mean((res["tensors"][0] - t) ** 2) < 1e-6
    assert (res["steps"] % 100 == 0).all() and (res["steps"] >= 300).all()


def test_batched_equals_one_at_a_time():
    t, perm = make_cp_target(3, 5, 1, seed=2)
    obs = [perm[:40], perm[:90], perm]
    stds, seeds = [1e-2, 1e-3, 1e-2], [3, 4, 5]
    kw = {"R": 10, "opts": COMPLETION_OPTIONS.replace(max_steps=3000)}
    both = train_cp_completion(t, obs, stds, seeds, **kw)
    for i in range(3):
        solo = train_cp_completion(t, obs[i : i + 1], stds[i : i + 1], seeds[i : i + 1], **kw)
        assert solo["steps"][0] == both["steps"][i]
        np.testing.assert_allclose(solo["tensors"][0], both["tensors"][i], rtol=0, atol=1e-10)


def test_small_init_completes_rank1_from_few_observations():
    # Order 3, dim 8 (512 entries), 100 observations: the linear baseline leaves ~90% of the norm unexplained,
    # small-init CP factorization recovers the tensor (the paper's Fig. 2 effect).
    t, perm = make_cp_target(3, 8, 1, seed=0)
    obs = perm[:100]
    opts = COMPLETION_OPTIONS.replace(max_steps=20_000)
    res = train_cp_completion(t, [obs] * 3, init_stds=[1e-3] * 3, seeds=[1, 2, 3], opts=opts)
    assert res["converged"].all()
    errs = [reconstruction_error(x, t) for x in res["tensors"]]
    lin = reconstruction_error(linear_baseline(t, obs), t)
    assert lin > 0.9
    assert np.median(errs) < 0.05 * lin, (errs, lin)


def test_float32_and_config_errors():
    t, perm = make_cp_target(3, 4, 1, seed=3)
    opts = COMPLETION_OPTIONS.replace(dtype="float32", stop_loss=1e-5, max_steps=5000)
    res = train_cp_completion(t, [perm], [1e-2], [0], opts=opts)
    assert res["converged"][0] and res["tensors"].dtype == np.float64
    with pytest.raises(ConfigError):
        train_cp_completion(t, [perm, perm], [1e-2], [0])
    with pytest.raises(ConfigError):
        train_cp_completion(t, [np.array([0, 0, 1])], [1e-2], [0])
    with pytest.raises(ConfigError):
        train_cp_completion(t, [np.array([64])], [1e-2], [0])


def test_one_cp_components_rule_for_config_and_engine():
    """Issue 26 item 4: config checks (cp_shapes, no torch) and the engine's default R agree."""
    from implreg.cp_shapes import default_cp_components as light
    from implreg.cp_shapes import target_rank_problem

    for shape in [(8, 8, 8), (4, 4, 4, 4), (2, 9, 3), (7,), (5, 1, 6)]:
        assert light(shape) == default_cp_components(shape)
    assert target_rank_problem("k", 64, (8, 8, 8)) is None
    assert "k = 65 exceeds 64, the largest CP rank of a 8^3 tensor" in target_rank_problem("k", 65, (8, 8, 8))
    assert "exceeds 25, the model's CP components R" in target_rank_problem("k", 30, (8, 8, 8), components=25)

"""The Fig. 4 library: data preparation, the log-domain CP forward, and joint training."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from conftest import KilledAfter

from implreg.checkpoint import Checkpoint
from implreg.errors import ConfigError, DivergenceError
from implreg.tf.natural import (
    NaturalTrainConfig,
    binarise,
    cp_forward_logdomain,
    cp_forward_naive,
    cp_forward_onehot,
    init_factors,
    make_variant,
    one_vs_all_targets,
    subsample,
    train_joint,
    variance_baseline,
)

torch.set_num_threads(1)


def _toy_data(n_train=60, n_test=30, d=784, seed=0):
    """Binary images whose class is readable from a few pixels, labels 0..9 all present."""
    rng = np.random.default_rng(seed)
    ys = [np.arange(n) % 10 for n in (n_train, n_test)]
    xs = []
    for y in ys:
        x = (rng.random((len(y), d)) < 0.2).astype(np.uint8)
        x[np.arange(len(y)), y] = 1
        xs.append(x)
    return xs[0], ys[0].astype(np.uint8), xs[1], ys[1].astype(np.uint8)


def test_binarise_threshold():
    img = np.array([[[0, 127], [128, 255]]], dtype=np.uint8)
    assert binarise(img).tolist() == [[0, 0, 1, 1]]
    assert binarise(np.zeros((3, 28, 28), np.uint8)).shape == (3, 784)
    with pytest.raises(ConfigError):
        binarise(np.zeros((1, 2, 2), np.float32))


def test_one_vs_all_values_and_bad_label():
    y = np.array([3, 1, 3, 0])
    assert one_vs_all_targets(y, 3).tolist() == [2.0, 0.0, 2.0, 0.0]
    assert one_vs_all_targets(y, 1, pos_value=1.0, neg_value=-1.0).tolist() == [-1.0, 1.0, -1.0, -1.0]
    for bad in (10, -1, 7, "3"):
        with pytest.raises(ConfigError, match="positive_label"):
            one_vs_all_targets(y, bad)


@pytest.mark.parametrize("variant", ["original", "rand_labels", "rand_images"])
def test_variants_keep_label_counts_and_are_deterministic(variant):
    xtr, ytr, xte, yte = _toy_data()
    out1 = make_variant(xtr, ytr, xte, yte, variant, seed=3)
    out2 = make_variant(xtr, ytr, xte, yte, variant, seed=3)
    for a, b in zip(out1, out2, strict=True):
        np.testing.assert_array_equal(a, b)
        assert a.dtype == np.uint8
    np.testing.assert_array_equal(np.bincount(out1[1]), np.bincount(ytr))
    np.testing.assert_array_equal(np.bincount(out1[3]), np.bincount(yte))
    if variant == "rand_labels":
        assert not np.array_equal(out1[1], ytr) and not np.array_equal(out1[3], yte)
        np.testing.assert_array_equal(out1[0], xtr)
    if variant == "rand_images":
        np.testing.assert_array_equal(out1[1], ytr)
        assert set(np.unique(out1[0])) == {0, 1} and abs(out1[0].mean() - 0.5) < 0.02
        other = make_variant(xtr, ytr, xte, yte, variant, seed=4)
        assert not np.array_equal(other[0], out1[0])


def test_subsample_is_seeded_prefix():
    x, y = np.arange(20).reshape(10, 2), np.arange(10)
    xs, ys = subsample(x, y, 4, seed=1)
    np.testing.assert_array_equal(xs[:, 0] // 2, ys)
    assert len(ys) == 4 and np.array_equal(ys, subsample(x, y, 4, seed=1)[1])


def _factors_with_negatives(lead=(3,), d=784, r=4, std=0.01, seed=0):
    g = torch.Generator().manual_seed(seed)
    f = 1 + std * torch.randn(*lead, d, 2, r, generator=g, dtype=torch.float64)
    flip = torch.rand(f.shape, generator=g, dtype=torch.float64) < 0.002  # ~6 negative factors per column
    return torch.where(flip, -f, f)


@pytest.mark.parametrize(("d", "std"), [(784, 0.01), (12, 0.8)])
def test_logdomain_equals_naive_product_value_and_gradient(d, std):
    f = _factors_with_negatives(d=d, std=std)
    assert (f < 0).any()
    x = torch.randint(0, 2, (40, d), generator=torch.Generator().manual_seed(1)).to(torch.uint8)
    fa, fb = f.clone().requires_grad_(True), f.clone().requires_grad_(True)
    a, b = cp_forward_naive(fa, x), cp_forward_logdomain(fb, x)
    np.testing.assert_allclose(b.detach().numpy(), a.detach().numpy(), rtol=1e-12, atol=1e-12)
    # sign flips really happen: with the negatives some component products are negative
    w = torch.randn(a.shape, dtype=torch.float64, generator=torch.Generator().manual_seed(2))
    (a * w).sum().backward()
    (b * w).sum().backward()
    np.testing.assert_allclose(fb.grad.numpy(), fa.grad.numpy(), rtol=1e-10, atol=1e-12)
    one = cp_forward_onehot(f[0], x)
    np.testing.assert_allclose(one.numpy(), a[:, 0].detach().numpy(), rtol=1e-12)


def test_logdomain_sign_of_single_component():
    f = torch.ones(1, 5, 2, 1, dtype=torch.float64)
    f[0, 2, 1, 0] = -3.0  # selected only when x_2 = 1
    f[0, 4, 0, 0] = -0.5  # selected only when x_4 = 0
    x = torch.tensor([[0, 0, 1, 0, 0], [0, 0, 1, 0, 1], [0, 0, 0, 0, 0], [1, 1, 0, 1, 1]], dtype=torch.uint8)
    np.testing.assert_allclose(cp_forward_logdomain(f, x)[:, 0].numpy(), [1.5, -3.0, -0.5, 1.0])


def _cfg(**kw):
    base = dict(ranks=[1, 3], classes=[0, 1, 2], epochs=3, batch_size=16, lr=5e-3, eval_every=2, dtype="float64")
    base.update(kw)
    return NaturalTrainConfig(**base)


def test_joint_training_equals_separate_training():
    data = _toy_data()
    joint = train_joint(*data, _cfg(), return_factors=True)
    alone = train_joint(*data, _cfg(ranks=[3], classes=[1]), return_factors=True)
    np.testing.assert_allclose(alone["factors"][3][0], joint["factors"][3][1], rtol=1e-10, atol=1e-12)
    m_joint = next(m for m in joint["models"] if m["R"] == 3 and m["class"] == 1)
    m_alone = alone["models"][0]
    for key in ("train_mse_last_epoch", "train_mse_final", "test_mse_clamped"):
        assert m_joint[key] == pytest.approx(m_alone[key], rel=1e-10)
    assert m_joint["history"]["epoch"] == [2, 3]
    assert joint["steps"] == 3 * 4 and len(joint["models"]) == 6


def test_init_is_independent_of_companions():
    a = init_factors([2, 5], [0, 4], n_features=10, seed=3, dtype=torch.float64)
    b = init_factors([5], [4], n_features=10, seed=3, dtype=torch.float64)
    torch.testing.assert_close(a[1][1], b[0][0])
    w = a[0].detach()
    assert abs(float(w.mean()) - 1.0) < 1e-3 and 0 < float(w.std()) < 3e-3


def test_tiny_fit_decreases_loss():
    data = _toy_data(n_train=100, d=64)
    res = train_joint(*data, _cfg(ranks=[1], classes=[4], epochs=100, batch_size=50, lr=1e-2, eval_every=10))
    model = res["models"][0]
    hist = model["history"]["train_mean_error"]
    assert hist[-1] < 0.2 * hist[0]
    assert model["train_mean_error_final"] < 0.2 * model["variance_baseline"]


def test_divergence_raises_with_model_and_epoch():
    data = _toy_data()
    with pytest.raises(DivergenceError, match=r"R=1, class=0\) at epoch 1") as info:
        train_joint(*data, _cfg(init_mean=3.0))  # 3**~300 selected factors overflow float64
    assert info.value.step == 0
    with pytest.raises(DivergenceError, match=r"epoch 1 diverged at step 1") as info:
        train_joint(*data, _cfg(lr=10.0))  # one huge Adam step pushes the products past float64's range
    assert np.isfinite(info.value.last_finite_loss) and info.value.last_finite_loss > 0


def test_variance_baseline_known_labels():
    labels = np.array([0] * 10 + list(range(1, 10)) * 10)  # p = 0.1 for every class
    np.testing.assert_allclose(variance_baseline(labels, range(10)), 0.09)
    np.testing.assert_allclose(variance_baseline(labels, [0], 1.0, -1.0), 0.1 * 0.9 * 4 / 4)
    with pytest.raises(ConfigError, match="positive_label"):
        variance_baseline(labels, [11])


def test_bad_config_rejected():
    data = _toy_data()
    for bad in (dict(ranks=[0]), dict(dtype="float16"), dict(epochs=0), dict(classes=[12])):
        with pytest.raises(ConfigError):
            train_joint(*data, _cfg(**bad))


def test_natural_data_resume_is_bit_identical(tmp_path):
    data = _toy_data()
    cfg = dict(ranks=[1, 3], classes=[0, 1], epochs=6, batch_size=16, lr=5e-3, eval_every=2, dtype="float64")
    ref = train_joint(*data, NaturalTrainConfig(**cfg), return_factors=True)
    path = tmp_path / "nat.pt"
    with pytest.raises(SystemExit):
        train_joint(*data, NaturalTrainConfig(**cfg), checkpoint=KilledAfter(path, 3))
    resumed = train_joint(*data, NaturalTrainConfig(**cfg), return_factors=True, checkpoint=Checkpoint(path, "job"))
    assert resumed["models"] == ref["models"]
    for r in cfg["ranks"]:
        np.testing.assert_array_equal(resumed["factors"][r], ref["factors"][r])

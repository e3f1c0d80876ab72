import numpy as np
import pytest

from implreg.norms.matrix_metrics import effective_rank, matrix_metrics, schatten, singular_values


def test_norms_of_known_matrix():
    m = np.diag([3.0, 4.0])
    mets = matrix_metrics(m, schatten_p=0.5)
    assert mets["frobenius"] == pytest.approx(5.0)
    assert mets["nuclear"] == pytest.approx(7.0)
    assert mets["spectral"] == pytest.approx(4.0)
    assert mets["schatten_0.5"] == pytest.approx((np.sqrt(3) + 2) ** 2)
    assert mets["sigma_min"] == pytest.approx(3.0)


def test_effective_rank_extremes():
    assert effective_rank(singular_values(np.eye(3))) == pytest.approx(3.0)
    assert effective_rank(singular_values(np.outer([1.0, 2.0], [3.0, -1.0]))) == pytest.approx(1.0)
    assert effective_rank(np.array([0.0, 0.0])) == pytest.approx(1.0)  # zero matrix: H = 0


def test_schatten_ordering_and_batch():
    rng = np.random.default_rng(0)
    mats = rng.normal(size=(10, 2, 2))
    sv = singular_values(mats)
    # quasi-norms dominate norms: S_0.5 >= S_1 >= S_2 >= spectral
    assert np.all(schatten(sv, 0.5) >= schatten(sv, 1) - 1e-12)
    assert np.all(schatten(sv, 1) >= schatten(sv, 2) - 1e-12)
    assert np.all(schatten(sv, 2) >= sv[:, 0] - 1e-12)
    assert matrix_metrics(mats)["frobenius"].shape == (10,)

import numpy as np
import pytest
import torch

from implreg.errors import ConfigError, DivergenceError
from implreg.norms.dmf import (
    CONVERGED,
    MAX_STEPS,
    PAPER_OPTIONS,
    DMFProblem,
    DMFRun,
    init_layers,
    per_layer_std,
    train_dmf,
)

PROBLEM = DMFProblem.two_by_two(1.0, 1.0, 0.0, det_sign=1)


def _product(layers):
    out = layers[0]
    for w in layers[1:]:
        out = out @ w
    return out


@pytest.mark.parametrize("balanced", [False, True])
@pytest.mark.parametrize("depth", [2, 3, 4])
def test_init_has_required_det_sign(balanced, depth):
    for seed in range(20):
        for sign in (1, -1):
            layers = init_layers(DMFRun(1e-3, 1e-3, balanced, seed), depth, 2, sign, "product")
            assert np.sign(np.linalg.det(_product(layers))) == sign


def test_balanced_init_is_balanced():
    layers = init_layers(DMFRun(1e-3, 0.3, True, 0), 3, 2, 1, "product")
    # balancedness: W_k^T W_k == W_{k+1} W_{k+1}^T
    for k in range(2):
        np.testing.assert_allclose(layers[k].T @ layers[k], layers[k + 1] @ layers[k + 1].T, atol=1e-12)


def test_product_scale_mode_gives_product_std():
    depth, init = 3, 1e-2
    rng_prods = [_product(init_layers(DMFRun(1e-3, init, False, s), depth, 2, 0, "product"))[0, 0] for s in range(4000)]
    assert np.std(rng_prods) == pytest.approx(init, rel=0.1)
    assert per_layer_std(init, depth, 2, "per_layer") == init


def _torch_gd(layers, lr, steps):
    """Reference: plain torch autograd + SGD on the same problem."""
    ws = [torch.tensor(w, requires_grad=True) for w in layers]
    opt = torch.optim.SGD(ws, lr=lr)
    target = torch.tensor(PROBLEM.target)
    mask = torch.tensor(PROBLEM.mask)
    losses = []
    for _ in range(steps):
        prod = ws[0]
        for w in ws[1:]:
            prod = prod @ w
        loss = 0.5 * ((mask * (prod - target)) ** 2).sum()
        losses.append(loss.item())
        opt.zero_grad()
        loss.backward()
        opt.step()
    return np.stack([w.detach().numpy() for w in ws]), losses


def test_kernel_matches_torch_autograd():
    run = DMFRun(0.05, 0.3, False, 1)
    layers0 = init_layers(run, 3, 2, 1, "product")
    h = train_dmf(PROBLEM, 3, [run], PAPER_OPTIONS.replace(max_steps=200, log_every=1, stop_loss=1e-12))
    _, losses = _torch_gd(layers0, run.lr, 200)
    np.testing.assert_allclose(h.loss[0, :200], losses, rtol=1e-10)


def test_batched_equals_one_at_a_time():
    runs = [DMFRun(0.01, 0.1, b, s) for s in range(3) for b in (False, True)]
    together = train_dmf(PROBLEM, 3, runs, PAPER_OPTIONS.replace(max_steps=3000, log_every=10, stop_loss=1e-3))
    for i, run in enumerate(runs):
        alone = train_dmf(PROBLEM, 3, [run], PAPER_OPTIONS.replace(max_steps=3000, log_every=10, stop_loss=1e-3))
        n = alone.loss.shape[1]
        np.testing.assert_array_equal(together.loss[i, :n], alone.loss[0])
        assert together.final_step[i] == alone.final_step[0]


def test_depth3_follows_inverse_sqrt_loss_and_stops():
    h = train_dmf(PROBLEM, 3, [DMFRun(0.02, 1e-3, True, 0)], PAPER_OPTIONS.replace(stop_loss=1e-2, max_steps=10**6))
    assert h.status[0] == CONVERGED
    n = np.sum(h.step[0] >= 0)
    loss, w11 = h.loss[0, n - 1], h.product[0, n - 1, 0, 0]
    assert loss < 1e-2
    assert abs(w11) * np.sqrt(2 * loss) == pytest.approx(1.0, abs=0.03)


def test_max_steps_marks_not_converged():
    h = train_dmf(PROBLEM, 3, [DMFRun(1e-3, 1e-3, True, 0)], PAPER_OPTIONS.replace(max_steps=1000, stop_loss=1e-4))
    assert h.status[0] == MAX_STEPS and h.final_step[0] == 1000


def test_divergence_names_step_and_loss():
    with pytest.raises(DivergenceError, match=r"diverged at step \d+.*last finite loss"):
        train_dmf(PROBLEM, 3, [DMFRun(1.0, 3.0, False, 0)], PAPER_OPTIONS.replace(max_steps=10_000))


def test_bad_arguments_are_config_errors():
    with pytest.raises(ConfigError, match="optimizer"):
        train_dmf(PROBLEM, 3, [DMFRun(1e-3, 1e-3, True, 0)], PAPER_OPTIONS.replace(optimizer="adam"))
    with pytest.raises(ConfigError, match="init_scale_mode"):
        per_layer_std(1e-3, 3, 2, "layerwise")


def test_adaptive_first_step_is_lr_times_unit_gradient():
    """At t = 1 the bias-corrected RMS equals |g|, so every parameter moves by lr * g / |g|."""
    run = DMFRun(1e-2, 0.5, False, 0)
    layers0 = init_layers(run, 2, 2, 1, "product")
    h = train_dmf(
        PROBLEM,
        2,
        [run],
        PAPER_OPTIONS.replace(optimizer="adaptive", eps=0.0, max_steps=1, log_every=1, stop_loss=1e-12),
    )
    ws = [torch.tensor(w, requires_grad=True) for w in layers0]
    loss = 0.5 * ((torch.tensor(PROBLEM.mask) * (ws[0] @ ws[1] - torch.tensor(PROBLEM.target))) ** 2).sum()
    loss.backward()
    gnorm = torch.sqrt(sum((w.grad**2).sum() for w in ws))
    stepped = [(w - run.lr * w.grad / gnorm).detach() for w in ws]
    np.testing.assert_allclose(h.product[0, 1], (stepped[0] @ stepped[1]).numpy(), rtol=1e-12)

"""Gradient flow beside GD (issue 19): the flow is right, GD meets it for small lr and leaves it for large lr,
the solve is resolved, and the flow claims fail on wrong flows."""

import copy

import numpy as np
import pytest

from implreg.errors import ConfigError
from implreg.norms.dmf import PAPER_OPTIONS, DMFProblem, DMFRun, init_layers, train_dmf
from implreg.norms.flow import FlowSettings, flow_rhs, flow_vs_gd, loss_of, solve_flow
from implreg.norms.flow_claims import flow_claims, theorem_band

PROBLEM = DMFProblem.two_by_two(1.0, 1.0, 0.0, det_sign=1)
STOP = 1e-2


def _flows(lr, depth=3, init=1e-2):
    hist = train_dmf(
        PROBLEM, depth, [DMFRun(lr, init, True, 1)], PAPER_OPTIONS.replace(stop_loss=STOP, max_steps=2_000_000)
    )
    return flow_vs_gd(hist, PROBLEM, depth, "product", STOP, FlowSettings(), 0.05)


def test_flow_velocity_is_minus_the_gradient():
    rng = np.random.default_rng(0)
    layers = rng.normal(size=(3, 2, 2))
    v, h = flow_rhs(layers, PROBLEM), 1e-6
    for idx in np.ndindex(layers.shape):
        up, down = layers.copy(), layers.copy()
        up[idx] += h
        down[idx] -= h
        fd = (loss_of(up[0] @ up[1] @ up[2], PROBLEM) - loss_of(down[0] @ down[1] @ down[2], PROBLEM)) / (2 * h)
        assert v[idx] == pytest.approx(-fd, rel=1e-6, abs=1e-9)


def test_gd_with_a_tiny_step_follows_the_flow_and_a_large_step_leaves_it():
    _, (small,) = _flows(1e-3)
    assert not small["departure"]["left"] and small["departure"]["max_gap"] < 1e-2
    # GD's time (steps x lr) matches the flow's to the step size
    assert small["t_end"] == pytest.approx(small["gd_t_end"], rel=1e-2)
    _, (large,) = _flows(0.3)
    assert large["departure"]["left"] and large["departure"]["max_gap"] > 0.5


def test_the_flow_does_not_move_when_the_tolerances_tighten_tenfold():
    _, (s,) = _flows(1e-3)
    assert s["resolved_change"] < 1e-6
    layers0 = init_layers(DMFRun(1e-3, 1e-2, True, 1), 3, 2, 1, "product")
    a = solve_flow(PROBLEM, layers0, STOP, 1e5, FlowSettings("LSODA", 1e-8, 1e-12))
    b = solve_flow(PROBLEM, layers0, STOP, 1e5, FlowSettings("Radau", 1e-9, 1e-13))
    assert a.reached and b.reached
    assert abs(a.product[-1, 0, 0]) == pytest.approx(abs(b.product[-1, 0, 0]), rel=1e-5)


def test_explicit_solvers_are_refused():
    with pytest.raises(ConfigError, match="stiff"):
        FlowSettings("RK45")


@pytest.fixture(scope="module")
def depth3_flow():
    runs = [DMFRun(lr, init, b, s) for s, (lr, init) in enumerate([(0.02, 1e-3), (0.01, 1e-4)]) for b in (0, 1)]
    hist = train_dmf(PROBLEM, 3, runs, PAPER_OPTIONS.replace(stop_loss=STOP, max_steps=10**6))
    return flow_vs_gd(hist, PROBLEM, 3, "product", STOP, FlowSettings(), 0.05)


def _by_id(claims):
    return {c.id: c for c in claims}


def test_flow_claims_pass_on_real_flows(depth3_flow):
    rows, summaries = depth3_flow
    claims = _by_id(flow_claims(summaries, rows, 1, 0.05))
    assert all(c.passed is True for c in claims.values()), {k: c.measured for k, c in claims.items()}


MUTATIONS = {
    "unresolved flow": ("flow_resolved", lambda rows, s: s[0].update(resolved_change=0.05)),
    "det flipped on the flow": ("flow_keeps_det_sign", lambda rows, s: s[1].update(final_det=-0.9)),
    "|w11| stuck at init": ("flow_w11_follows_theorem", lambda rows, s: s[3].update(final_w11=1e-3)),
    "every flow flips det": ("flow_w11_follows_theorem", lambda rows, s: [x.update(final_det=-1.0) for x in s]),
    "|w11| far above the theory": ("flow_w11_follows_theorem", lambda rows, s: s[0].update(final_w11=200.0)),
    "norms shrink": (
        "flow_norms_grow_sigma_min_falls",
        lambda rows, s: [r.update(frobenius=1.0 / (1.0 + r["t"])) for r in rows if r["run"] == 0],
    ),
    "sigma_min grows": (
        "flow_norms_grow_sigma_min_falls",
        lambda rows, s: [r.update(sigma_min=r["t"]) for r in rows if r["run"] == 3],
    ),
    "GD peels off": ("gd_follows_flow", lambda rows, s: s[3]["departure"].update(max_gap=0.4, max_gap_stable=0.4)),
}


@pytest.mark.parametrize("name", sorted(MUTATIONS))
def test_each_wrong_flow_fails_a_claim(depth3_flow, name):
    claim_id, mutate = MUTATIONS[name]
    rows, summaries = copy.deepcopy(depth3_flow)
    mutate(rows, summaries)
    claims = _by_id(flow_claims(summaries, rows, 1, 0.05))
    assert claims[claim_id].passed is False, name


def test_the_theorem_band_contains_the_exact_asymptote():
    for loss in (1e-2, 1e-4):
        lo, hi = theorem_band(loss)
        assert lo < 1.0 < hi and lo == pytest.approx((1 - np.sqrt(2 * loss)) ** 2)

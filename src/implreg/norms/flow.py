"""Gradient flow beside gradient descent: the norms paper's theorem is about the flow, its figures run GD.

For a deep matrix factorization W = W_1 ... W_N with loss l(W) = 1/2 |M o (W - B)|^2, the flow is
dW_j/dt = -(W_1 ... W_{j-1})^T G (W_{j+1} ... W_N)^T with G = M o (W - B). Started from a GD run's own
init, it is the curve that GD with step size lr follows, at time t = steps * lr, for lr -> 0; where GD
leaves it (a larger lr or init, det(W) changing sign, an oscillating "trapped" run) is what `departure`
measures.

The late phase is stiff (|w11| ~ 1/sqrt(2l) grows while the observed entries settle), so an explicit
solver needs millions of evaluations; an adaptive stiff solver (LSODA by default) needs thousands.

The same growth makes the loss surface sharper along the flow: GD with step lr is forward Euler on the flow.
While lr * lambda_max (Hessian of the loss in the layers' entries) < 1 the step contracts every direction without
overshoot and GD tracks the flow's path; between 1 and 2 it overshoots the sharp direction (oscillates about the
path while still converging); above 2, the classical stability limit of the explicit Euler step, it cannot stay
on it. `flow_vs_gd` records where along the flow lr * lambda_max reaches 1 (the "tracking edge") and 2 (the
"stability edge"); GD is held to the flow only before the tracking edge.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

import numpy as np
from scipy.integrate import solve_ivp

from implreg.errors import ConfigError
from implreg.norms.dmf import DMFHistory, DMFProblem, init_layers
from implreg.norms.dmf_measures import _thin_indices
from implreg.norms.matrix_metrics import matrix_metrics

STIFF_METHODS = ("LSODA", "Radau", "BDF")


@dataclass(frozen=True)
class FlowSettings:
    """How the flow is solved: a stiff method of scipy's solve_ivp and its tolerances."""

    method: str = "LSODA"
    rtol: float = 1e-8
    atol: float = 1e-12

    def __post_init__(self):
        if self.method not in STIFF_METHODS:
            raise ConfigError(
                f"norms.dmf.flow.method must be one of {STIFF_METHODS} (stiff solvers), got {self.method!r}"
            )
        if not (0 < self.rtol < 1 and 0 < self.atol < 1):
            raise ConfigError(f"norms.dmf.flow: need 0 < rtol, atol < 1, got rtol={self.rtol}, atol={self.atol}")


@dataclass
class FlowTrajectory:
    """The flow of one run, at the solver's accepted steps."""

    t: np.ndarray  # [T] flow time (GD: steps * lr)
    loss: np.ndarray  # [T]
    product: np.ndarray  # [T, d, d]
    reached: bool  # the loss reached the requested stop_loss before t_max
    n_evals: int  # gradient evaluations (right-hand sides, finite-difference Jacobians included)
    seconds: float
    layers: np.ndarray | None = None  # [T, N, d, d]


def _products(layers: np.ndarray) -> tuple[list[np.ndarray], list[np.ndarray]]:
    """prefix[j] = W_1 ... W_j (prefix[0] = I) and suffix[j] = W_{j+1} ... W_N (suffix[N] = I)."""
    n, d = layers.shape[0], layers.shape[1]
    prefix, suffix = [np.eye(d)], [np.eye(d)]
    for j in range(n):
        prefix.append(prefix[-1] @ layers[j])
        suffix.append(layers[n - 1 - j] @ suffix[-1])
    return prefix, suffix[::-1]


def loss_of(product: np.ndarray, problem: DMFProblem) -> float:
    r = problem.mask * (product - problem.target)
    return 0.5 * float(np.sum(r * r))


def flow_rhs(layers: np.ndarray, problem: DMFProblem) -> np.ndarray:
    """-dl/dW_j for every layer: the flow's velocity, [N, d, d]."""
    prefix, suffix = _products(layers)
    g = problem.mask * (prefix[-1] - problem.target)
    return np.stack([-(prefix[j].T @ g @ suffix[j + 1].T) for j in range(layers.shape[0])])


def solve_flow(
    problem: DMFProblem, layers0: np.ndarray, stop_loss: float, t_max: float, settings: FlowSettings
) -> FlowTrajectory:
    """Integrate the flow from `layers0` until the loss falls to `stop_loss` (or t reaches `t_max`)."""
    shape = layers0.shape
    evals = 0

    def rhs(_t, y):
        nonlocal evals
        evals += 1
        return flow_rhs(y.reshape(shape), problem).ravel()

    def at_stop(_t, y):
        prefix, _ = _products(y.reshape(shape))
        return np.log(max(loss_of(prefix[-1], problem), 1e-300)) - np.log(stop_loss)

    at_stop.terminal, at_stop.direction = True, -1
    start = time.perf_counter()
    sol = solve_ivp(
        rhs, (0.0, float(t_max)), layers0.ravel().astype(np.float64), method=settings.method,
        rtol=settings.rtol, atol=settings.atol, events=at_stop,
    )  # fmt: skip
    seconds = time.perf_counter() - start
    if sol.status < 0:
        raise ConfigError(f"gradient-flow solve failed ({sol.message}); try norms.dmf.flow.method: Radau")
    layers = sol.y.T.reshape(-1, *shape)
    products = np.stack([_products(w)[0][-1] for w in layers])
    loss = np.array([loss_of(p, problem) for p in products])
    return FlowTrajectory(sol.t, loss, products, bool(sol.status == 1), evals, seconds, layers)


def sharpness(layers: np.ndarray, problem: DMFProblem) -> float:
    """lambda_max of the loss's Hessian in the layers' entries (central differences of the exact gradient)."""
    shape, y = layers.shape, layers.ravel().astype(np.float64)
    n = y.size
    hess = np.empty((n, n))
    for i in range(n):
        h = 1e-6 * max(1.0, abs(y[i]))
        up, down = y.copy(), y.copy()
        up[i] += h
        down[i] -= h
        hess[:, i] = -(flow_rhs(up.reshape(shape), problem) - flow_rhs(down.reshape(shape), problem)).ravel() / (2 * h)
    return float(np.linalg.eigvalsh(0.5 * (hess + hess.T))[-1])


def flow_at_losses(flow: FlowTrajectory, losses: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The flow's signed w11 and Frobenius norm of W where its loss equals `losses` (NaN outside its range),
    interpolated linearly in log loss (the loss falls monotonically along a gradient flow)."""
    order = np.argsort(flow.loss)
    ll = np.log(flow.loss[order])
    x = np.log(np.asarray(losses, dtype=float))
    w11 = np.interp(x, ll, flow.product[order, 0, 0])
    fro = np.interp(x, ll, np.sqrt(np.sum(flow.product[order] ** 2, axis=(1, 2))))
    out = (x < ll[0]) | (x > ll[-1])
    w11[out], fro[out] = np.nan, np.nan
    return w11, fro


def w11_at_losses(flow: FlowTrajectory, losses: np.ndarray) -> np.ndarray:
    """The flow's |w11| where its loss equals `losses` (NaN outside the range the flow covered).

    The loss falls monotonically along a gradient flow, so |w11| is a function of the loss there; it is
    interpolated in (log loss, log |w11|).
    """
    order = np.argsort(flow.loss)
    ll = np.log(flow.loss[order])
    lw = np.log(np.maximum(np.abs(flow.product[order, 0, 0]), 1e-300))
    x = np.log(np.asarray(losses, dtype=float))
    out = np.exp(np.interp(x, ll, lw))
    out[(x < ll[0]) | (x > ll[-1])] = np.nan
    return out


def departure(
    gd_loss: np.ndarray, gd_w11: np.ndarray, flow: FlowTrajectory, rtol: float, edge_loss: float | None = None
) -> dict:
    """Where a GD run leaves the flow: the first logged point (in GD's own order) at which GD's w11 differs
    from the flow's w11 at the same loss by more than `rtol` times the flow's |W|_F (normwise relative gap).

    Normwise, not relative to |w11|: w11 passes through 0 on its way (appendix A's problems flip its sign), where
    a gap relative to |w11| is ill-conditioned; once |w11| dominates W the two agree. `edge_loss`: the loss at
    which the flow leaves GD's tracking range lr * lambda_max < 1 (None: never, within the flow's range);
    `max_gap_stable` is the largest gap at GD's points before GD first reaches that loss.

    Returns {"left", "loss" (at departure or None), "max_gap", "final_gap", "max_gap_stable", "tracking_edge_loss"}.
    """
    gd_loss, gd_w11 = np.asarray(gd_loss, float), np.asarray(gd_w11, float)
    ok = np.isfinite(gd_loss) & np.isfinite(gd_w11) & (gd_loss > 0)
    gd_loss, gd_w11 = gd_loss[ok], gd_w11[ok]
    ref, scale = flow_at_losses(flow, gd_loss)
    both = np.isfinite(ref)
    gap = np.full(gd_loss.shape, np.nan)
    gap[both] = np.abs(gd_w11[both] - ref[both]) / scale[both]
    over = np.flatnonzero(both & (gap > rtol))
    covered = np.flatnonzero(both)
    stable = both.copy()
    if edge_loss is not None:  # GD's points before it first reaches the edge (in its own order: it may oscillate)
        reach = np.flatnonzero(gd_loss <= edge_loss)
        if reach.size:
            stable[reach[0] :] = False
    return {
        "left": bool(over.size),
        "loss": float(gd_loss[over[0]]) if over.size else None,
        "max_gap": float(np.nanmax(gap)) if covered.size else None,
        "final_gap": float(gap[covered[-1]]) if covered.size else None,
        "max_gap_stable": float(np.nanmax(gap[stable])) if stable.any() else None,
        "tracking_edge_loss": edge_loss,
    }


def loss_at_level(flow: FlowTrajectory, idx: np.ndarray, lrlam: np.ndarray, level: float) -> float | None:
    """The flow's loss where lr * lambda_max (given at the points `idx`) first reaches `level`, interpolated in
    log loss; None if it never does within the flow's range."""
    above = np.flatnonzero(lrlam >= level)
    if not above.size:
        return None
    k = int(above[0])
    if k == 0:
        return float(flow.loss[idx[0]])
    l0, l1 = np.log(flow.loss[idx[k - 1]]), np.log(flow.loss[idx[k]])
    f = (level - lrlam[k - 1]) / (lrlam[k] - lrlam[k - 1])
    return float(np.exp(l0 + f * (l1 - l0)))


def _tighter(settings: FlowSettings) -> FlowSettings:
    return FlowSettings(settings.method, settings.rtol / 10, settings.atol / 10)


def flow_vs_gd(
    history: DMFHistory,
    problem: DMFProblem,
    depth: int,
    init_scale_mode: str,
    stop_loss: float,
    settings: FlowSettings,
    departure_rtol: float,
) -> tuple[list[dict], list[dict]]:
    """The flow of every GD run of one (setting, depth) job, from the run's own init, and where GD left it.

    Each flow runs to the lower of `stop_loss` and the GD run's lowest logged loss (a trapped GD run keeps
    a higher loss; its flow shows where it would have gone), with t_max = 100x the GD run's time
    (steps x lr). It is solved twice, the second time with 10x tighter tolerances: `resolved_change` is
    the relative change of the final |w11|, the evidence that the solver resolved the flow.
    GD is compared with the flow at equal loss, from where the loss has fallen to half its initial value
    on (before that the loss is flat and equal-loss comparisons are ill-conditioned); `departure` also says
    where the flow crosses GD's tracking edge lr * lambda_max = 1 and stability edge 2 (lr_sharpness in rows).
    """
    d = problem.target.shape[0]
    rows, summaries = [], []
    for r, run in enumerate(history.runs):
        ok = history.step[r] >= 0
        gd_loss, gd_prod = history.loss[r][ok], history.product[r][ok]
        layers0 = init_layers(run, depth, d, problem.det_sign, init_scale_mode)
        target = min(float(stop_loss), float(np.nanmin(gd_loss)))
        t_max = 100.0 * max(int(history.final_step[r]), 1) * run.lr
        flow = solve_flow(problem, layers0, target, t_max, settings)
        tight = solve_flow(problem, layers0, target, t_max, _tighter(settings))
        common = np.array([max(flow.loss[-1], tight.loss[-1])])  # the lowest loss both solves reached
        w_end, w_tight = float(w11_at_losses(flow, common)[0]), float(w11_at_losses(tight, common)[0])
        idx = _thin_indices(flow.loss)
        lrlam = np.array([run.lr * sharpness(flow.layers[i], problem) for i in idx])
        tracking, stability = (loss_at_level(flow, idx, lrlam, level) for level in (1.0, 2.0))
        compare = gd_loss <= 0.5 * gd_loss[0]
        dep = departure(gd_loss[compare], gd_prod[compare, 0, 0], flow, departure_rtol, tracking)
        dep["stability_edge_loss"] = stability
        mets = matrix_metrics(flow.product[idx])
        det = np.linalg.det(flow.product)
        for k, i in enumerate(idx):
            rows.append(
                {
                    "run": r,
                    "label": run.label,
                    "t": float(flow.t[i]),
                    "loss": float(flow.loss[i]),
                    "w11": float(flow.product[i, 0, 0]),
                    "w22": float(flow.product[i, 1, 1]),
                    "det": float(det[i]),
                    "lr_sharpness": float(lrlam[k]),
                    **{name: float(mets[name][k]) for name in ("frobenius", "nuclear", "spectral", "sigma_min")},
                }
            )
        summaries.append(
            {
                "run": r,
                "label": run.label,
                "lr": run.lr,
                "init": run.init,
                "balanced": run.balanced,
                "seed": run.seed,
                "reached": flow.reached,
                "t_end": float(flow.t[-1]),
                "gd_t_end": float(history.final_step[r] * run.lr),
                "final_loss": float(flow.loss[-1]),
                "final_w11": float(abs(flow.product[-1, 0, 0])),
                "final_w11_signed": float(flow.product[-1, 0, 0]),
                "final_w22": float(flow.product[-1, 1, 1]),
                "final_lr_sharpness": float(lrlam[-1]),
                "final_det": float(det[-1]),
                "final_sigma_min": float(mets["sigma_min"][-1]),
                "resolved_change": float(abs(w_tight - w_end) / w_end),
                "det_sign_changes": int(np.count_nonzero(np.diff(np.sign(det)))),
                "n_evals": flow.n_evals
                + tight.n_evals,  # (solver seconds: benchmarks/out/, not here: bytes stay equal)
                "gd_steps": int(history.final_step[r]),
                "departure": dep,
            }
        )
    return rows, summaries

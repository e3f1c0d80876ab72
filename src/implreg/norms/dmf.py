"""Deep matrix factorization (linear network) on small matrix completion problems.

W = W_1 W_2 ... W_N with every layer d x d, loss 1/2 * sum over observed entries of (W_ij - b_ij)^2,
full-batch gradient descent. The norms paper's runs need millions of steps on a 2 x 2 problem, where
torch's per-op overhead (~0.3 ms/step) dominates; a compiled scalar kernel does a step in well under a
microsecond. All runs of one depth advance together in one compiled call, chunk by chunk, so the job
log shows progress between chunks.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import NamedTuple

import numba
import numpy as np

from implreg.engine import TrainOptions
from implreg.errors import ConfigError, DivergenceError
from implreg.progress import Progress

# Status codes written by the kernel, per run.
RUNNING, CONVERGED, MAX_STEPS, DIVERGED = 0, 1, 2, 3


@dataclass(frozen=True)
class DMFRun:
    """One run: learning rate, init scale, balanced or not, seed."""

    lr: float
    init: float
    balanced: bool
    seed: int

    @property
    def label(self) -> str:
        return f"lr {self.lr:g} init {self.init:g}" + (" (b)" if self.balanced else "")


@dataclass
class DMFProblem:
    """A completion problem: target values and a 0/1 mask of observed entries (both d x d)."""

    target: np.ndarray
    mask: np.ndarray
    det_sign: int = 1  # required sign of det(W) at init (the "bad" sign that forces norms to grow)

    @classmethod
    def two_by_two(cls, b12: float, b21: float, b22: float, det_sign: int) -> DMFProblem:
        """The paper's 2 x 2 problem: (1,1) unobserved, (1,2), (2,1), (2,2) observed."""
        target = np.array([[0.0, b12], [b21, b22]])
        mask = np.array([[0.0, 1.0], [1.0, 1.0]])
        return cls(target=target, mask=mask, det_sign=int(det_sign))


@dataclass
class DMFHistory:
    """Logged trajectory of every run (padded with NaN after a run's last log point)."""

    step: np.ndarray  # [runs, T] int64 (-1 where padded)
    loss: np.ndarray  # [runs, T] loss at that step, before its update
    product: np.ndarray  # [runs, T, d, d] end-to-end matrix at that step, before its update
    status: np.ndarray  # [runs] CONVERGED / MAX_STEPS
    final_step: np.ndarray  # [runs]
    runs: list[DMFRun] = field(default_factory=list)


def per_layer_std(init: float, depth: int, dim: int, mode: str) -> float:
    """Per-layer Gaussian std for a non-balanced init of scale `init`.

    mode "per_layer": `init` is the std of each layer's entries (the authors' code).
    mode "product":   `init` is the std of the product's entries (the layer docstring's meaning);
                      an entry of a product of N iid d x d Gaussian layers with std s has variance
                      d^(N-1) s^(2N), so s = (init / d^((N-1)/2))^(1/N).
    With "per_layer", Fig. 1's depth-3 init 1e-5 never leaves the origin in 1e7 steps, so the
    figure can only have used the product scale; "product" is therefore the default.
    """
    if mode == "per_layer":
        return float(init)
    if mode == "product":
        return float((init / dim ** ((depth - 1) / 2)) ** (1.0 / depth))
    raise ConfigError(f"init_scale_mode must be 'product' or 'per_layer', got {mode!r}")


def init_layers(run: DMFRun, depth: int, dim: int, det_sign: int, mode: str) -> np.ndarray:
    """Layers [depth, d, d] with det(product) of the required sign.

    Non-balanced: iid Gaussian layers, resampled until the product's determinant has `det_sign`.
    Balanced: W0 ~ N(0, init^2) entrywise, a row flipped if det(W0) has the wrong sign, then
    W0 = U S V^T is split as U S^(1/N), S^(1/N), ..., S^(1/N) V^T (the authors' code skipped the
    sign check for balanced init; we enforce it and assert it).
    """
    rng = np.random.default_rng(run.seed)
    if run.balanced:
        w0 = rng.normal(0.0, run.init, size=(dim, dim))
        if det_sign and np.sign(np.linalg.det(w0)) != det_sign:
            w0[0] *= -1.0
        u, s, vt = np.linalg.svd(w0)
        root = np.diag(s ** (1.0 / depth))
        layers = np.stack([root.copy() for _ in range(depth)])
        layers[0] = u @ root
        layers[-1] = root @ vt if depth > 1 else u @ np.diag(s) @ vt
    else:
        std = per_layer_std(run.init, depth, dim, mode)
        for _ in range(10_000):
            layers = rng.normal(0.0, std, size=(depth, dim, dim))
            if not det_sign or np.sign(np.linalg.det(_product(layers))) == det_sign:
                break
        else:  # pragma: no cover - probability 2^-10000
            raise RuntimeError("could not draw an init with the required determinant sign")
    prod = _product(layers)
    if det_sign and np.sign(np.linalg.det(prod)) != det_sign:
        raise AssertionError(f"init of {run.label} has det {np.linalg.det(prod):.3g}, wanted sign {det_sign}")
    return layers


def _product(layers: np.ndarray) -> np.ndarray:
    out = layers[0]
    for w in layers[1:]:
        out = out @ w
    return out


@numba.njit(cache=True)
def _matmul(a, b, out):
    d = a.shape[0]
    for i in range(d):
        for j in range(d):
            s = 0.0
            for k in range(d):
                s += a[i, k] * b[k, j]
            out[i, j] = s


class _Rule(NamedTuple):
    """The kernel's step and stopping rule (a named tuple: numba compiles it as a struct)."""

    adaptive: bool
    beta: float
    eps: float
    max_steps: int
    n_steps: int  # steps per call (one chunk)
    log_every: int
    stop_loss: float
    stop_patience: int


class _State(NamedTuple):
    """Per-run state the kernel advances in place, each ``[runs]``."""

    v: np.ndarray
    step: np.ndarray
    hits: np.ndarray
    status: np.ndarray
    n_logged: np.ndarray
    last_finite: np.ndarray


class _Log(NamedTuple):
    """The logged trajectory, written in place: ``step [runs, T]``, ``loss [runs, T]``, ``prod [runs, T, d, d]``."""

    step: np.ndarray
    loss: np.ndarray
    prod: np.ndarray


@numba.njit(cache=True)
def _advance(layers, target, mask, lr, rule, state, log):
    """Advance every running run by up to rule.n_steps GD steps (in place)."""
    adaptive, beta, eps, max_steps, n_steps, log_every, stop_loss, stop_patience = rule
    v, step, hits, status, n_logged, last_finite = state
    hist_step, hist_loss, hist_prod = log
    runs, depth, d, _ = layers.shape
    prefix = np.empty((depth + 1, d, d))
    suffix = np.empty((depth + 1, d, d))
    grads = np.empty((depth, d, d))
    tmp = np.empty((d, d))
    g = np.empty((d, d))
    for r in range(runs):
        if status[r] != 0:
            continue
        w = layers[r]
        for _ in range(n_steps):
            # prefix[k] = W_1..W_k, suffix[k] = W_{k+1}..W_N (identity when empty)
            for i in range(d):
                for j in range(d):
                    prefix[0, i, j] = 1.0 if i == j else 0.0
                    suffix[depth, i, j] = 1.0 if i == j else 0.0
            for k in range(depth):
                _matmul(prefix[k], w[k], prefix[k + 1])
            for k in range(depth - 1, -1, -1):
                _matmul(w[k], suffix[k + 1], suffix[k])
            loss = 0.0
            for i in range(d):
                for j in range(d):
                    e = mask[i, j] * (prefix[depth, i, j] - target[i, j])
                    g[i, j] = e
                    loss += 0.5 * e * e
            if not np.isfinite(loss):
                status[r] = 3
                break
            last_finite[r] = loss
            s = step[r]
            if s % log_every == 0:
                t = n_logged[r]
                if t < hist_step.shape[1]:
                    hist_step[r, t] = s
                    hist_loss[r, t] = loss
                    for i in range(d):
                        for j in range(d):
                            hist_prod[r, t, i, j] = prefix[depth, i, j]
                    n_logged[r] = t + 1
                # stop once the loss has stayed below stop_loss at more than `stop_patience` log points
                if loss < stop_loss:
                    hits[r] += 1
                    if hits[r] > stop_patience:
                        status[r] = 1
                        break
                else:
                    hits[r] = 0
            if s >= max_steps:
                status[r] = 2
                break
            # grad W_k = (W_1..W_{k-1})^T G (W_{k+1}..W_N)^T
            gsq = 0.0
            for k in range(depth):
                for i in range(d):
                    for j in range(d):
                        acc = 0.0
                        for a in range(d):
                            acc += prefix[k, a, i] * g[a, j]
                        tmp[i, j] = acc
                for i in range(d):
                    for j in range(d):
                        acc = 0.0
                        for b in range(d):
                            acc += tmp[i, b] * suffix[k + 1, j, b]
                        grads[k, i, j] = acc
                        gsq += acc * acc
            rate = lr[r]
            if adaptive:
                # one RMS-normalised step for all parameters of the run ("group RMSprop")
                v[r] = beta * v[r] + (1.0 - beta) * gsq
                vhat = v[r] / (1.0 - beta ** (s + 1))
                rate = lr[r] / (np.sqrt(vhat) + eps)
            for k in range(depth):
                for i in range(d):
                    for j in range(d):
                        w[k, i, j] -= rate * grads[k, i, j]
            step[r] = s + 1


# The norms paper's runs: plain GD, stop once the loss has been < 1e-4 at more than 10 log points (every 50 steps).
PAPER_OPTIONS = TrainOptions(
    optimizer="gd", max_steps=5_000_000, stop_loss=1e-4, stop_patience=10, log_every=50, progress_label="dmf"
)


def train_dmf(
    problem: DMFProblem,
    depth: int,
    runs: list[DMFRun],
    opts: TrainOptions = PAPER_OPTIONS,
    *,
    init_scale_mode: str = "product",
    chunk_steps: int = 200_000,
) -> DMFHistory:
    """Train all `runs` (same depth and problem) to the stopping rule; return their histories.

    opts: optimizer, beta, eps, max_steps, the stopping rule (stop_loss, stop_patience; checked at every log
    point), log_every, dtype and progress_label. Each run trains with its own lr (``DMFRun.lr``), on the CPU
    (a compiled kernel), without checkpoints (a depth's runs take seconds to minutes).
    """
    if depth < 1:
        raise ConfigError(f"depth must be >= 1, got {depth}")
    if opts.log_every is None:
        raise ConfigError("train_dmf needs log_every: the stopping rule is checked at the log points.")
    d = problem.target.shape[0]
    layers = np.stack([init_layers(r, depth, d, problem.det_sign, init_scale_mode) for r in runs])
    # float32 is kept as a fidelity switch: the kernel then runs on float32-rounded inits and data
    # but accumulates in float64; true float32 arithmetic stalls the late phase (see the spec).
    if opts.dtype == "float32":
        layers = layers.astype(np.float32).astype(np.float64)
    n = len(runs)
    cap = opts.max_steps // opts.log_every + 2
    log = _Log(np.full((n, cap), -1, dtype=np.int64), np.full((n, cap), np.nan), np.full((n, cap, d, d), np.nan))
    state = _State(
        v=np.zeros(n),
        step=np.zeros(n, dtype=np.int64),
        hits=np.zeros(n, dtype=np.int64),
        status=np.zeros(n, dtype=np.int64),
        n_logged=np.zeros(n, dtype=np.int64),
        last_finite=np.full(n, np.nan),
    )
    stop_loss = float("-inf") if opts.stop_loss is None else float(opts.stop_loss)  # None: no stopping rule
    rule = _Rule(
        opts.optimizer == "adaptive",
        float(opts.beta),
        float(opts.eps),
        opts.max_steps,
        int(chunk_steps),
        opts.log_every,
        stop_loss,
        opts.stop_patience,
    )
    lr = np.array([r.lr for r in runs], dtype=np.float64)
    target, mask = problem.target.astype(np.float64), problem.mask.astype(np.float64)
    progress = Progress(opts.max_steps, label=opts.progress_label, every_s=opts.progress_every_s)
    while (state.status == RUNNING).any():
        _advance(layers, target, mask, lr, rule, state, log)
        for r in np.flatnonzero(state.status == DIVERGED):
            raise DivergenceError(
                int(state.step[r]),
                float(state.last_finite[r]),
                run=runs[r].label,
                hint=f"Lower lr (now {runs[r].lr:g}) or init (now {runs[r].init:g}) for depth {depth}.",
            )
        active = state.status == RUNNING
        shown = state.last_finite[active] if active.any() else state.last_finite
        progress.update(
            int(state.step.max()),
            float(np.nanmax(shown)),
            force=not active.any(),
            extra=f"{int(active.sum())}/{n} runs active",
        )
    t = int(state.n_logged.max())
    return DMFHistory(
        step=log.step[:, :t],
        loss=log.loss[:, :t],
        product=log.prod[:, :t],
        status=state.status.copy(),
        final_step=state.step.copy(),
        runs=list(runs),
    )

"""Batched full-batch training of many independent runs that share parameter shapes.

Every parameter tensor carries a leading "run" dimension; run ``i`` owns slice ``[i]`` of each parameter.
Runs never interact: the loss is a vector with one entry per run and the engine differentiates its sum,
so each run receives exactly the gradient of its own loss. Finished runs are sliced out of the batch
("compaction"), so a long tail of slow runs does not pay for the finished ones.

Step convention (matches the original trainer): at iteration ``t`` (0-based) the engine evaluates the loss
``L_t`` of the current parameters ``θ_t``, takes the gradient step to ``θ_{t+1}`` and, if ``(t+1)`` is a
multiple of ``check_every``, applies the stopping rule to ``L_t`` (the loss computed *before* that update).
A run that stops there keeps ``θ_{t+1}`` and reports ``steps = t+1``.
Logging (``log_every``) happens at iterations ``t`` with ``t % log_every == 0`` and sees ``θ_t`` together
with its own loss ``L_t`` (no one-step offset between logged parameters and logged loss).
"""

from __future__ import annotations

import contextlib
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import Literal

import numpy as np
import torch
from torch import Tensor

from implreg.checkpoint import Checkpoint, disabled
from implreg.errors import ConfigError, DivergenceError
from implreg.progress import Progress

LossFn = Callable[[list[Tensor], list[Tensor]], Tensor]
LogFn = Callable[[int, Tensor, list[Tensor], Tensor], "dict[str, Tensor | np.ndarray | float] | None"]


@dataclass
class TrainResult:
    """Outcome of :func:`train_batched`; every per-run array is in the original run order.

    params:      final parameters, each ``[runs, ...]`` (detached).
    steps:       int64 ``[runs]``: number of updates each run received before it stopped.
    converged:   bool ``[runs]``: True if the stopping rule fired, False if ``max_steps`` was reached.
    final_loss:  float64 ``[runs]``: loss of the final parameters (one extra forward pass).
    history:     ``{"step": int64 [n_logs], "loss": float64 [runs, n_logs], <key>: [runs, n_logs], ...}``;
                 one column per logging iteration, NaN where the run had already finished. Keys other than
                 ``step``/``loss`` come from ``log_fn``. Empty dict when ``log_every`` is None.
    """

    params: list[Tensor]
    steps: np.ndarray
    converged: np.ndarray
    final_loss: np.ndarray
    history: dict[str, np.ndarray] = field(default_factory=dict)


def _per_run(x: Tensor, ndim: int) -> Tensor:
    """Reshape a ``[runs]`` vector so it broadcasts against a ``[runs, ...]`` tensor of rank ``ndim``."""
    return x.reshape((-1,) + (1,) * (ndim - 1))


class _History:
    """Collects log rows as ``{key: [runs] float64}`` columns; NaN for runs inactive at that step."""

    def __init__(self, n_runs: int):
        self.n_runs = n_runs
        self.steps: list[int] = []
        self.cols: dict[str, list[np.ndarray]] = {}

    def add(self, step: int, run_ids: Tensor, values: dict[str, Tensor | np.ndarray | float]) -> None:
        idx = run_ids.cpu().numpy()
        for key, val in values.items():
            col = np.full(self.n_runs, np.nan)
            v = val.detach().cpu().numpy() if isinstance(val, Tensor) else np.asarray(val)
            col[idx] = np.broadcast_to(v.astype(np.float64), idx.shape)
            # A key that first appears late gets NaN columns for the earlier log steps.
            self.cols.setdefault(key, [np.full(self.n_runs, np.nan)] * len(self.steps)).append(col)
        self.steps.append(step)
        for cols in self.cols.values():  # keys missing from this row
            if len(cols) < len(self.steps):
                cols.append(np.full(self.n_runs, np.nan))

    def arrays(self) -> dict[str, np.ndarray]:
        if not self.steps:
            return {}
        out = {"step": np.asarray(self.steps, dtype=np.int64)}
        out.update({k: np.stack(v, axis=1) for k, v in self.cols.items()})
        return out


@contextlib.contextmanager
def torch_threads(n: int | None) -> Iterator[None]:
    """Temporarily set torch's intra-op thread count (None: leave it alone).

    These problems are small: with 2 threads on a machine where other jobs also run, torch's thread pool
    slows a step down 10-50x (measured), while 1 thread loses at most ~1.4x on an idle machine.
    """
    if n is None:
        yield
        return
    old = torch.get_num_threads()
    torch.set_num_threads(int(n))
    try:
        yield
    finally:
        torch.set_num_threads(old)


def _check_config(
    params: Sequence[Tensor],
    optimizer: str,
    max_steps: int,
    check_every: int,
    stop_patience: int,
    log_every: int | None,
) -> int:
    if not params:
        raise ConfigError("train_batched: `params` is empty; pass at least one [runs, ...] tensor.")
    n_runs = params[0].shape[0]
    for p in params:
        if p.ndim < 1 or p.shape[0] != n_runs:
            raise ConfigError(f"train_batched: every parameter needs leading run dim {n_runs}, got {tuple(p.shape)}.")
        if not p.is_floating_point():
            raise ConfigError(f"train_batched: parameters must be floating point, got {p.dtype}.")
    if optimizer not in ("gd", "adaptive"):
        raise ConfigError(f"train_batched: optimizer must be 'gd' or 'adaptive', got {optimizer!r}.")
    if max_steps < 0 or check_every < 1 or stop_patience < 0:
        raise ConfigError("train_batched: need max_steps >= 0, check_every >= 1, stop_patience >= 0.")
    if log_every is not None and log_every < 1:
        raise ConfigError(f"train_batched: log_every must be >= 1 or None, got {log_every}.")
    return n_runs


def train_batched(  # noqa: PLR0913 -- an options dataclass is owed (issue 15)
    params: list[Tensor],
    loss_per_run: LossFn,
    *,
    lr: float | Tensor,
    optimizer: Literal["gd", "adaptive"] = "adaptive",
    beta: float = 0.99,
    eps: float = 1e-6,
    max_steps: int,
    check_every: int = 100,
    stop_loss: float | None = None,
    stop_patience: int = 2,
    log_every: int | None = None,
    log_fn: LogFn | None = None,
    run_data: Sequence[Tensor] = (),
    progress_label: str = "",
    progress_every_s: float = 10.0,
    run_names: Sequence[str] | None = None,
    num_threads: int | None = None,
    checkpoint: Checkpoint | None = None,
) -> TrainResult:
    """Train independent runs together by full-batch GD or the scalar adaptive step ("group RMSprop").

    params:       initial parameters, each ``[runs, ...]``, all with the same dtype/device (copied, not modified).
    loss_per_run: ``loss_per_run(active_params, active_run_data) -> [active_runs]``. ``active_run_data`` is
                  ``run_data`` sliced to the active runs (per-run targets/masks), kept in step with compaction
                  so the loss never needs to gather by run id.
    lr:           scalar or ``[runs]`` per-run learning rate.
    optimizer:    ``"gd"``: θ ← θ − lr·g. ``"adaptive"``: per run v ← βv + (1−β)‖g‖², ‖g‖² summed over *all*
                  parameters of the run, v̂ = v/(1−β^t), θ ← θ − lr/(√v̂ + eps)·g (one scalar step per run).
    stop_loss:    a run "hits" at a check when its pre-update loss is < stop_loss; it finishes after more than
                  ``stop_patience`` consecutive hits. None disables the rule (runs go to ``max_steps``).
    log_fn:       called at logging iterations with ``(t, run_ids, params_t, losses_t)``; returns a dict of
                  per-run values (``[active_runs]``) or None. Losses are always logged under ``"loss"``.
    num_threads:  torch intra-op threads for this call (restored afterwards); None keeps the current setting.
    checkpoint:   where to save the complete training state periodically and on SIGTERM/SIGINT; a saved state
                  of the same job is resumed, and the resumed result is bit-identical to an uninterrupted one.

    Raises DivergenceError on the first iteration where any active run's loss is NaN/inf (the parameters
    of a run go non-finite at most one iteration before its loss does).
    """
    ckpt = checkpoint if checkpoint is not None else disabled()
    with torch_threads(num_threads), ckpt:
        return _train(
            params,
            loss_per_run,
            lr,
            optimizer,
            beta,
            eps,
            max_steps,
            check_every,
            stop_loss,
            stop_patience,
            log_every,
            log_fn,
            run_data,
            progress_label,
            progress_every_s,
            run_names,
            ckpt,
        )


def _train(  # noqa: PLR0913, PLR0915 -- an options dataclass and a split are owed (issue 15)
    params,
    loss_per_run,
    lr,
    optimizer,
    beta,
    eps,
    max_steps,
    check_every,
    stop_loss,
    stop_patience,
    log_every,
    log_fn,
    run_data,
    progress_label,
    progress_every_s,
    run_names,
    ckpt,
) -> TrainResult:
    n_runs = _check_config(params, optimizer, max_steps, check_every, stop_patience, log_every)
    ref = params[0]
    dev, dtype = ref.device, ref.dtype
    names = list(run_names) if run_names is not None else [str(i) for i in range(n_runs)]

    cur = [p.detach().clone().requires_grad_(True) for p in params]
    data = [d.to(dev) for d in run_data]
    lr_act = torch.as_tensor(lr, dtype=dtype, device=dev).expand(n_runs).clone()
    run_ids = torch.arange(n_runs, device=dev)
    v = torch.zeros(n_runs, dtype=dtype, device=dev)  # adaptive-step accumulator, per active run
    hits = torch.zeros(n_runs, dtype=torch.long, device=dev)
    last_finite = torch.full((n_runs,), float("nan"), dtype=dtype, device=dev)

    final = [torch.empty_like(p) for p in params]
    steps = np.full(n_runs, max_steps, dtype=np.int64)
    converged = np.zeros(n_runs, dtype=bool)
    final_loss = np.full(n_runs, np.nan)
    hist = _History(n_runs)

    # On CPU a per-step sync is cheap, so check every step. On an accelerator check only at the stopping
    # checks, but record each run's first non-finite step on the device so the error still names it.
    nan_every = _nan_check_every(dev, check_every)
    first_bad = None if nan_every == 1 else torch.full((n_runs,), -1, dtype=torch.long, device=dev)
    prog = Progress(max_steps, label=progress_label, every_s=progress_every_s)
    last_print = time.monotonic()

    t = 0
    saved = ckpt.load()
    if saved is not None:
        t = int(saved["t"])
        prog.start_at(t)
        run_ids = saved["run_ids"].to(dev)
        cur = [p.to(dev).requires_grad_(True) for p in saved["cur"]]
        data = [d.to(dev)[run_ids] for d in run_data]
        lr_act = torch.as_tensor(lr, dtype=dtype, device=dev).expand(n_runs).clone()[run_ids]
        v, hits, last_finite = (saved[k].to(dev) for k in ("v", "hits", "last_finite"))
        final = [p.to(dev) for p in saved["final"]]
        steps, converged, final_loss = saved["steps"], saved["converged"], saved["final_loss"]
        hist.steps = [int(x) for x in saved["hist_steps"]]
        hist.cols = {k: list(rows) for k, rows in saved["hist_cols"].items()}
        if first_bad is not None:
            first_bad = saved["first_bad"].to(dev)

    def state() -> dict:
        return {
            "t": t,
            "run_ids": run_ids,
            "cur": [p.detach() for p in cur],
            "v": v,
            "hits": hits,
            "last_finite": last_finite,
            "final": final,
            "steps": steps,
            "converged": converged,
            "final_loss": final_loss,
            "hist_steps": hist.steps,
            "hist_cols": {k: np.stack(rows) for k, rows in hist.cols.items()},
            "first_bad": first_bad if first_bad is not None else torch.zeros(0),
        }

    while t < max_steps and cur[0].shape[0] > 0:
        loss = loss_per_run(cur, data)
        if loss.shape != (cur[0].shape[0],):
            raise ConfigError(f"loss_per_run must return shape [{cur[0].shape[0]}], got {tuple(loss.shape)}.")
        ld = loss.detach()
        finite = torch.isfinite(ld)
        if first_bad is not None:
            first_bad[run_ids] = torch.where(~finite & (first_bad[run_ids] < 0), t, first_bad[run_ids])
        if t % nan_every == 0 or t + 1 == max_steps:
            _raise_if_nonfinite(ld, t, run_ids, last_finite, names, first_bad)
        last_finite[run_ids] = torch.where(finite, ld, last_finite[run_ids])

        if log_every is not None and t % log_every == 0:
            _log(hist, log_fn, t, run_ids, cur, ld)

        grads = torch.autograd.grad(loss.sum(), cur)
        with torch.no_grad():
            if optimizer == "adaptive":
                g2 = sum(g.reshape(g.shape[0], -1).pow(2).sum(1) for g in grads)
                v.mul_(beta).add_((1 - beta) * g2)
                vhat = v / (1 - beta ** (t + 1))
                scale = lr_act / (vhat.sqrt() + eps)
            else:
                scale = lr_act
            for p, g in zip(cur, grads, strict=True):
                p.sub_(_per_run(scale, p.ndim) * g)
        t += 1

        if stop_loss is not None and t % check_every == 0:
            hits = torch.where(ld < stop_loss, hits + 1, torch.zeros_like(hits))
            done = hits > stop_patience
            if bool(done.any()):
                _raise_if_nonfinite(ld, t - 1, run_ids, last_finite, names, first_bad)
                cur, data, lr_act, v, hits, run_ids = _retire(
                    done, cur, data, lr_act, v, hits, run_ids, final, steps, converged, final_loss, loss_per_run, t
                )

        if ckpt.due():
            ckpt.save(state())
            ckpt.stop_if_signalled()

        now = time.monotonic()
        if now - last_print >= progress_every_s:
            last_print = now
            prog.update(
                t,
                loss=float(ld.min()),
                force=True,
                extra=f"max loss {float(ld.max()):.4g}, active {ld.shape[0]}/{n_runs}",
            )

    if cur[0].shape[0] > 0:  # runs that hit max_steps
        everyone = torch.ones(cur[0].shape[0], dtype=torch.bool, device=dev)
        _retire(
            everyone,
            cur,
            data,
            lr_act,
            v,
            hits,
            run_ids,
            final,
            steps,
            converged,
            final_loss,
            loss_per_run,
            t,
            converged_flag=False,
        )
    for i in range(n_runs):
        if not np.isfinite(final_loss[i]) or not all(bool(torch.isfinite(p[i]).all()) for p in final):
            lf = float(last_finite[i])
            raise DivergenceError(int(steps[i]), lf, run=names[i], hint=_HINT)
    return TrainResult([p.detach() for p in final], steps, converged, final_loss, hist.arrays())


def _nan_check_every(dev: torch.device, check_every: int) -> int:
    return 1 if dev.type == "cpu" else check_every


_HINT = "Lower the learning rate or the init scale (or use float64) and rerun."


def _raise_if_nonfinite(
    ld: Tensor, t: int, run_ids: Tensor, last_finite: Tensor, names: list[str], first_bad: Tensor | None = None
) -> None:
    """Raise for the first active run (in batch order) whose current loss is NaN/inf."""
    bad = ~torch.isfinite(ld)
    if bool(bad.any()):
        j = int(bad.nonzero()[0, 0])
        i = int(run_ids[j])
        step = int(first_bad[i]) if first_bad is not None and int(first_bad[i]) >= 0 else t
        raise DivergenceError(step, float(last_finite[i]), run=names[i], hint=_HINT)


def _log(hist: _History, log_fn: LogFn | None, t: int, run_ids: Tensor, cur: list[Tensor], ld: Tensor) -> None:
    row: dict[str, Tensor | np.ndarray | float] = {"loss": ld}
    if log_fn is not None:
        with torch.no_grad():
            extra = log_fn(t, run_ids, [p.detach() for p in cur], ld)
        if extra:
            row.update(extra)
    hist.add(t, run_ids, row)


def _retire(  # noqa: PLR0913 -- an options dataclass is owed (issue 15)
    done,
    cur,
    data,
    lr_act,
    v,
    hits,
    run_ids,
    final,
    steps,
    converged,
    final_loss,
    loss_fn,
    t,
    converged_flag: bool = True,
):
    """Store the finished runs' parameters/loss and slice them out of every per-run tensor."""
    ids = run_ids[done]
    with torch.no_grad():
        fin = [p.detach()[done] for p in cur]
        fin_loss = loss_fn(fin, [d[done] for d in data])
        for dst, src in zip(final, fin, strict=True):
            dst[ids] = src
    idx = ids.cpu().numpy()
    steps[idx] = t
    converged[idx] = converged_flag
    final_loss[idx] = fin_loss.detach().cpu().to(torch.float64).numpy()
    keep = ~done
    cur = [p.detach()[keep].clone().requires_grad_(True) for p in cur]
    data = [d[keep] for d in data]
    return cur, data, lr_act[keep], v[keep], hits[keep], run_ids[keep]

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

How a job trains (step rule, stopping rule, logging, precision, device, threads, checkpoint) is one
:class:`TrainOptions`, built once from the config and passed whole down to the engine.
"""

from __future__ import annotations

import contextlib
import dataclasses
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

import numpy as np
import torch
from torch import Tensor

from implreg.checkpoint import Checkpoint, disabled
from implreg.errors import ConfigError, DivergenceError
from implreg.progress import Progress

LossFn = Callable[[list[Tensor], list[Tensor]], Tensor]
LogFn = Callable[[int, Tensor, list[Tensor], Tensor], "dict[str, Tensor | np.ndarray | float] | None"]

OPTIMIZERS = ("gd", "adaptive")
DTYPES = ("float64", "float32")


@dataclass(frozen=True)
class TrainOptions:
    """How a job trains; the config's names, one object from the config down to the engine.

    lr:             scalar, or one per run (a sequence or ``[runs]`` tensor).
    optimizer:      ``"gd"``: θ ← θ − lr·g. ``"adaptive"``: per run v ← βv + (1−β)‖g‖², ‖g‖² summed over *all*
                    parameters of the run, v̂ = v/(1−β^t), θ ← θ − lr/(√v̂ + eps)·g (one scalar step per run).
    max_steps:      cap on the updates of a run.
    check_every:    the stopping rule looks at the loss every this many iterations.
    stop_loss:      a run "hits" at a check when its pre-update loss is < stop_loss; it finishes after more
                    than ``stop_patience`` consecutive hits. None disables the rule (runs go to ``max_steps``).
    log_every:      history period in iterations (None: no history).
    dtype, device:  where the caller builds parameters and data ("float64" | "float32"); the engine trains
                    the parameters in the dtype and on the device they come in.
    num_threads:    torch intra-op threads during training (restored afterwards); None keeps torch's setting.
    checkpoint:     where to save the complete training state periodically and on SIGTERM/SIGINT; a saved
                    state of the same job is resumed, and the resumed result is bit-identical.
    progress_label, progress_every_s: the progress lines of the job's log.
    """

    lr: float | Sequence[float] | Tensor = 1e-2
    optimizer: Literal["gd", "adaptive"] = "adaptive"
    beta: float = 0.99
    eps: float = 1e-6
    max_steps: int = 1_000_000
    check_every: int = 100
    stop_loss: float | None = None
    stop_patience: int = 2
    log_every: int | None = None
    dtype: str = "float64"
    device: str | torch.device = "cpu"
    num_threads: int | None = None
    checkpoint: Checkpoint | None = None
    progress_label: str = ""
    progress_every_s: float = 10.0

    def __post_init__(self) -> None:
        # Counts arrive from YAML / rule params; int() keeps 5.0e5 from reaching the loops as a float.
        for name in ("max_steps", "check_every", "stop_patience"):
            object.__setattr__(self, name, int(getattr(self, name)))
        if self.log_every is not None:
            object.__setattr__(self, "log_every", int(self.log_every))
        if self.optimizer not in OPTIMIZERS:
            raise ConfigError(f"optimizer must be 'gd' or 'adaptive', got {self.optimizer!r}.")
        if self.dtype not in DTYPES:
            raise ConfigError(f"dtype must be 'float64' or 'float32', got {self.dtype!r}.")
        if self.max_steps < 0 or self.check_every < 1 or self.stop_patience < 0:
            raise ConfigError("training needs max_steps >= 0, check_every >= 1, stop_patience >= 0.")
        if self.log_every is not None and self.log_every < 1:
            raise ConfigError(f"log_every must be >= 1 or None, got {self.log_every}.")

    @property
    def torch_dtype(self) -> torch.dtype:
        return getattr(torch, self.dtype)

    def replace(self, **changes: Any) -> TrainOptions:
        return dataclasses.replace(self, **changes)

    def split(self, settings: Mapping[str, Any], **fixed: Any) -> tuple[TrainOptions, dict[str, Any]]:
        """These options with the option keys of ``settings`` (a rule's params) and ``fixed`` set; and the
        other keys of ``settings`` (the model's and data's), for the caller."""
        names = {f.name for f in dataclasses.fields(self)}
        options = {k: v for k, v in settings.items() if k in names}
        return self.replace(**options, **fixed), {k: v for k, v in settings.items() if k not in names}


# What the tf and htf papers' dynamics experiments share (both authors' trainers): adaptive step, lr 1e-2, the
# train MSE checked and logged every 25 iterations; one torch thread, a progress line every 30 s.
DYNAMICS_OPTIONS = TrainOptions(check_every=25, log_every=25, num_threads=1, progress_every_s=30.0)


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


def history_arrays(
    history: Mapping[str, np.ndarray],
    n_runs: int,
    columns: Mapping[str, str],
    stacks: Mapping[str, tuple[str, int | None]] | None = None,
) -> dict[str, np.ndarray]:
    """A :class:`TrainResult` history as named arrays: ``log_step [n]``; each ``columns`` entry (history key →
    name) ``[runs, n]``; each ``stacks`` entry (name → (prefix, k)) the columns ``<prefix>0 .. <prefix>k-1``
    stacked to ``[runs, n, k]`` (k None: as many as there are). With no log point, empty arrays."""
    n = len(history.get("step", ()))
    out = {"log_step": np.asarray(history.get("step", np.zeros(0)), dtype=np.int64)}
    for key, name in columns.items():
        out[name] = history[key] if history else np.zeros((n_runs, 0))
    for name, (prefix, k) in (stacks or {}).items():
        if k is None:
            k = sum(1 for key in history if key.startswith(prefix) and key[len(prefix) :].isdigit())
        cols = [history[f"{prefix}{j}"] for j in range(k)] if history else []
        out[name] = np.stack(cols, axis=-1) if cols else np.zeros((n_runs, n, k))
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


def _check_params(params: Sequence[Tensor]) -> int:
    if not params:
        raise ConfigError("train_batched: `params` is empty; pass at least one [runs, ...] tensor.")
    n_runs = params[0].shape[0]
    for p in params:
        if p.ndim < 1 or p.shape[0] != n_runs:
            raise ConfigError(f"train_batched: every parameter needs leading run dim {n_runs}, got {tuple(p.shape)}.")
        if not p.is_floating_point():
            raise ConfigError(f"train_batched: parameters must be floating point, got {p.dtype}.")
    return n_runs


def train_batched(
    params: list[Tensor],
    loss_per_run: LossFn,
    opts: TrainOptions,
    *,
    log_fn: LogFn | None = None,
    run_data: Sequence[Tensor] = (),
    run_names: Sequence[str] | None = None,
) -> TrainResult:
    """Train independent runs together by full-batch GD or the scalar adaptive step ("group RMSprop").

    params:       initial parameters, each ``[runs, ...]``, all with the same dtype/device (copied, not modified).
    loss_per_run: ``loss_per_run(active_params, active_run_data) -> [active_runs]``. ``active_run_data`` is
                  ``run_data`` sliced to the active runs (per-run targets/masks), kept in step with compaction
                  so the loss never needs to gather by run id.
    opts:         the step rule, stopping rule, logging, threads and checkpoint (:class:`TrainOptions`).
    log_fn:       called at logging iterations with ``(t, run_ids, params_t, losses_t)``; returns a dict of
                  per-run values (``[active_runs]``) or None. Losses are always logged under ``"loss"``.

    Raises DivergenceError on the first iteration where any active run's loss is NaN/inf (the parameters
    of a run go non-finite at most one iteration before its loss does).
    """
    ckpt = opts.checkpoint if opts.checkpoint is not None else disabled()
    with torch_threads(opts.num_threads), ckpt:
        batch = _Batch(params, opts, run_data, run_names)
        return _Training(batch, loss_per_run, opts, log_fn, ckpt).run()


class _Batch:
    """The active runs' tensors (sliced as runs finish) and the finished runs' results, in run order."""

    def __init__(self, params: list[Tensor], opts: TrainOptions, run_data: Sequence[Tensor], run_names):
        n_runs = _check_params(params)
        ref = params[0]
        self.dev, dtype = ref.device, ref.dtype
        self.n_runs = n_runs
        self.names = list(run_names) if run_names is not None else [str(i) for i in range(n_runs)]
        self.run_data = run_data
        self.lr_all = torch.as_tensor(opts.lr, dtype=dtype, device=self.dev).expand(n_runs).clone()
        self.cur = [p.detach().clone().requires_grad_(True) for p in params]
        self.data = [d.to(self.dev) for d in run_data]
        self.lr_act = self.lr_all
        self.run_ids = torch.arange(n_runs, device=self.dev)
        self.v = torch.zeros(n_runs, dtype=dtype, device=self.dev)  # adaptive-step accumulator, per active run
        self.hits = torch.zeros(n_runs, dtype=torch.long, device=self.dev)
        self.last_finite = torch.full((n_runs,), float("nan"), dtype=dtype, device=self.dev)
        self.final = [torch.empty_like(p) for p in params]
        self.steps = np.full(n_runs, opts.max_steps, dtype=np.int64)
        self.converged = np.zeros(n_runs, dtype=bool)
        self.final_loss = np.full(n_runs, np.nan)

    @property
    def active(self) -> int:
        return self.cur[0].shape[0]

    def restore(self, saved: dict) -> None:
        """The active runs' state from a checkpoint (see :meth:`_Training.state`)."""
        dev = self.dev
        self.run_ids = saved["run_ids"].to(dev)
        self.cur = [p.to(dev).requires_grad_(True) for p in saved["cur"]]
        self.data = [d.to(dev)[self.run_ids] for d in self.run_data]
        self.lr_act = self.lr_all[self.run_ids]
        self.v, self.hits, self.last_finite = (saved[k].to(dev) for k in ("v", "hits", "last_finite"))
        self.final = [p.to(dev) for p in saved["final"]]
        self.steps, self.converged, self.final_loss = saved["steps"], saved["converged"], saved["final_loss"]

    def retire(self, done: Tensor, loss_fn: LossFn, t: int, converged: bool = True) -> None:
        """Store the finished runs' parameters/loss and slice them out of every per-run tensor."""
        ids = self.run_ids[done]
        with torch.no_grad():
            fin = [p.detach()[done] for p in self.cur]
            fin_loss = loss_fn(fin, [d[done] for d in self.data])
            for dst, src in zip(self.final, fin, strict=True):
                dst[ids] = src
        idx = ids.cpu().numpy()
        self.steps[idx] = t
        self.converged[idx] = converged
        self.final_loss[idx] = fin_loss.detach().cpu().to(torch.float64).numpy()
        keep = ~done
        self.cur = [p.detach()[keep].clone().requires_grad_(True) for p in self.cur]
        self.data = [d[keep] for d in self.data]
        self.lr_act, self.v, self.hits, self.run_ids = (x[keep] for x in (self.lr_act, self.v, self.hits, self.run_ids))


class _Training:
    """The loop of one :func:`train_batched` call over a :class:`_Batch`, with its history and checkpoint."""

    def __init__(self, batch: _Batch, loss_fn: LossFn, opts: TrainOptions, log_fn: LogFn | None, ckpt: Checkpoint):
        self.b, self.loss_fn, self.opts, self.log_fn, self.ckpt = batch, loss_fn, opts, log_fn, ckpt
        self.hist = _History(batch.n_runs)
        # On CPU a per-step sync is cheap, so check every step. On an accelerator check only at the stopping
        # checks, but record each run's first non-finite step on the device so the error still names it.
        self.nan_every = _nan_check_every(batch.dev, opts.check_every)
        self.first_bad = (
            None if self.nan_every == 1 else torch.full((batch.n_runs,), -1, dtype=torch.long, device=batch.dev)
        )
        self.prog = Progress(opts.max_steps, label=opts.progress_label, every_s=opts.progress_every_s)
        self.last_print = time.monotonic()
        self.t = 0

    def run(self) -> TrainResult:
        saved = self.ckpt.load()
        if saved is not None:
            self._restore(saved)
        while self.t < self.opts.max_steps and self.b.active > 0:
            ld = self._step()
            self._check_stop(ld)
            if self.ckpt.due():
                self.ckpt.save(self.state())
                self.ckpt.stop_if_signalled()
            self._report(ld)
        return self._finish()

    def state(self) -> dict:
        """Everything a resumed run needs to continue bit-identically."""
        b = self.b
        return {
            "t": self.t,
            "run_ids": b.run_ids,
            "cur": [p.detach() for p in b.cur],
            "v": b.v,
            "hits": b.hits,
            "last_finite": b.last_finite,
            "final": b.final,
            "steps": b.steps,
            "converged": b.converged,
            "final_loss": b.final_loss,
            "hist_steps": self.hist.steps,
            "hist_cols": {k: np.stack(rows) for k, rows in self.hist.cols.items()},
            "first_bad": self.first_bad if self.first_bad is not None else torch.zeros(0),
        }

    def _restore(self, saved: dict) -> None:
        self.t = int(saved["t"])
        self.prog.start_at(self.t)
        self.b.restore(saved)
        self.hist.steps = [int(x) for x in saved["hist_steps"]]
        self.hist.cols = {k: list(rows) for k, rows in saved["hist_cols"].items()}
        if self.first_bad is not None:
            self.first_bad = saved["first_bad"].to(self.b.dev)

    def _step(self) -> Tensor:
        """Iteration t: the current parameters' loss (returned, detached), the log point, the update."""
        b, t, opts, first_bad = self.b, self.t, self.opts, self.first_bad
        loss = self.loss_fn(b.cur, b.data)
        if loss.shape != (b.active,):
            raise ConfigError(f"loss_per_run must return shape [{b.active}], got {tuple(loss.shape)}.")
        ld = loss.detach()
        finite = torch.isfinite(ld)
        if first_bad is not None:
            first_bad[b.run_ids] = torch.where(~finite & (first_bad[b.run_ids] < 0), t, first_bad[b.run_ids])
        if t % self.nan_every == 0 or t + 1 == opts.max_steps:
            _raise_if_nonfinite(ld, t, b.run_ids, b.last_finite, b.names, first_bad)
        b.last_finite[b.run_ids] = torch.where(finite, ld, b.last_finite[b.run_ids])

        if opts.log_every is not None and t % opts.log_every == 0:
            _log(self.hist, self.log_fn, t, b.run_ids, b.cur, ld)

        grads = torch.autograd.grad(loss.sum(), b.cur)
        with torch.no_grad():
            if opts.optimizer == "adaptive":
                g2 = sum(g.reshape(g.shape[0], -1).pow(2).sum(1) for g in grads)
                b.v.mul_(opts.beta).add_((1 - opts.beta) * g2)
                vhat = b.v / (1 - opts.beta ** (t + 1))
                scale = b.lr_act / (vhat.sqrt() + opts.eps)
            else:
                scale = b.lr_act
            for p, g in zip(b.cur, grads, strict=True):
                p.sub_(_per_run(scale, p.ndim) * g)
        self.t = t + 1
        return ld

    def _check_stop(self, ld: Tensor) -> None:
        """The stopping rule on the pre-update losses ``ld``, at every check_every-th update."""
        b, t, opts = self.b, self.t, self.opts
        if opts.stop_loss is None or t % opts.check_every != 0:
            return
        b.hits = torch.where(ld < opts.stop_loss, b.hits + 1, torch.zeros_like(b.hits))
        done = b.hits > opts.stop_patience
        if bool(done.any()):
            _raise_if_nonfinite(ld, t - 1, b.run_ids, b.last_finite, b.names, self.first_bad)
            b.retire(done, self.loss_fn, t)

    def _report(self, ld: Tensor) -> None:
        now = time.monotonic()
        if now - self.last_print >= self.opts.progress_every_s:
            self.last_print = now
            self.prog.update(
                self.t,
                loss=float(ld.min()),
                force=True,
                extra=f"max loss {float(ld.max()):.4g}, active {ld.shape[0]}/{self.b.n_runs}",
            )

    def _finish(self) -> TrainResult:
        b = self.b
        if b.active > 0:  # runs that hit max_steps
            b.retire(torch.ones(b.active, dtype=torch.bool, device=b.dev), self.loss_fn, self.t, converged=False)
        for i in range(b.n_runs):
            if not np.isfinite(b.final_loss[i]) or not all(bool(torch.isfinite(p[i]).all()) for p in b.final):
                raise DivergenceError(int(b.steps[i]), float(b.last_finite[i]), run=b.names[i], hint=_HINT)
        return TrainResult([p.detach() for p in b.final], b.steps, b.converged, b.final_loss, self.hist.arrays())


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

"""Incremental learning measures, shared by the tf and htf dynamics figures.

Component norms of a CP factorization, when each (sorted) component rises above a threshold, and whether the
reconstruction error falls in a staircase: the numbers the "one component after another" claims test.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

import numpy as np
from torch import Tensor


def component_norms(factors: Sequence[Tensor]) -> Tensor:
    """Frobenius norm of each rank-1 term, ∏ₙ‖wᵣⁿ‖: factors ``[runs, d_n, R]`` → ``[runs, R]``."""
    out = factors[0].norm(dim=1)
    for f in factors[1:]:
        out = out * f.norm(dim=1)
    return out


# ----------------------------------------------------------------------------------------------------------
# Analysis of histories (pure numpy)
# ----------------------------------------------------------------------------------------------------------


def emergence_times(steps: np.ndarray, top_norms: np.ndarray, threshold: float = 0.05) -> np.ndarray:
    """For each rank j of the sorted norms ``[n_logs, k]``: first logged step where it exceeds ``threshold``.

    -1 where it never does. Because the curves are ranks, times are non-decreasing in j, and "rank j emerged"
    means that at some point at least j+1 components were above the threshold at once.
    """
    steps = np.asarray(steps)
    above = np.asarray(top_norms, dtype=np.float64) > threshold  # NaN compares False
    first = np.argmax(above, axis=0)
    return np.where(above.any(axis=0), steps[first], -1).astype(np.int64)


def incremental_summary(
    steps: np.ndarray,
    top_norms: np.ndarray,
    threshold: float = 0.05,
    expected_rank: int | None = None,
    min_gap: int = 0,
) -> dict[str, Any]:
    """Did the components rise one at a time, and how many? (the claims' test of incremental learning)

    n_emerged:     ranks that ever exceeded ``threshold`` (the most components simultaneously above it).
    n_above_final: ranks above it at the last logged point.
    distinct:      emerged ranks have strictly increasing times, consecutive ones more than ``min_gap``
                   steps apart (two components rising within one log interval count as "together").
    incremental:   distinct and at least 2 emerged; with ``expected_rank`` also n_emerged == n_above_final
                   == expected_rank (exactly r* rise, the rest stay below).
    If k ≤ expected_rank, n_emerged == k cannot rule out more components rising: pass k > r*.
    """
    norms = np.asarray(top_norms, dtype=np.float64)
    times = emergence_times(steps, norms, threshold)
    emerged = times[times >= 0]
    finite_rows = np.flatnonzero(np.isfinite(norms).all(axis=1))
    last = norms[finite_rows[-1]] if finite_rows.size else np.full(norms.shape[1], np.nan)
    n_final = int((last > threshold).sum())
    distinct = bool(np.all(np.diff(emerged) > min_gap))
    incremental = distinct and emerged.size >= 2
    if expected_rank is not None:
        incremental = incremental and emerged.size == n_final == int(expected_rank) < norms.shape[1]
    return {
        "threshold": float(threshold),
        "emergence_times": times.tolist(),
        "n_emerged": int(emerged.size),
        "n_above_final": n_final,
        "distinct": distinct,
        "incremental": bool(incremental),
    }


def staircase(
    steps: np.ndarray,
    errors: np.ndarray,
    tol: float = 0.02,
    min_drop: float = 0.05,
    window_frac: float = 0.01,
    min_window: int = 4,
) -> dict[str, Any]:
    """Segment an error curve into plateaus and the drops between them (the staircase of tf Fig. 3).

    A log point is *flat* if the error moves by at most ``tol`` over the next ``w`` log points, with
    w = max(min_window, window_frac·n), n the log points until the error settles within ``tol`` of its final
    value (a fraction of the run, so the detector does not depend on the time scale, which grows like σ^-2). Maximal runs of flat points are plateaus; each run of non-flat points
    between them is one transition, a *drop* if the error falls by at least ``min_drop`` across it (a rise if
    it grows by that much). A smooth decay whose speed only falls (σ = 0.05) is one transition however long;
    a staircase has one drop per step. Drops closer than w log points merge into one.

    Returns ``{"n_drops", "n_rises", "n_plateaus", "drop_steps" (step of the steepest fall in each drop),
    "drop_sizes", "plateau_levels" (median error of each plateau), "plateau_starts", "plateau_ends",
    "window"}``. NaN points (a finished run's tail) are dropped first.
    """
    steps, err = np.asarray(steps), np.asarray(errors, dtype=np.float64)
    keep = np.isfinite(err)
    steps, err = steps[keep], err[keep]
    w = max(int(min_window), math.ceil(window_frac * _settling_points(err, tol)))
    flat = _flat_points(err, w, tol)
    out: dict[str, Any] = {"n_drops": 0, "n_rises": 0, "window": w, "drop_steps": [], "drop_sizes": []}
    out.update({"plateau_levels": [], "plateau_starts": [], "plateau_ends": []})
    n = err.size
    for start, end, is_flat in _runs(flat):
        if is_flat:
            out["plateau_levels"].append(float(np.median(err[start : end + 1])))
            out["plateau_starts"].append(int(steps[start]))
            out["plateau_ends"].append(int(steps[end]))
            continue
        after = min(end + 1, n - 1)
        change = err[after] - err[start]
        if change <= -min_drop:
            steepest = start + int(np.argmin(np.diff(err[start : after + 1])))
            out["n_drops"] += 1
            out["drop_steps"].append(int(steps[steepest + 1]))
            out["drop_sizes"].append(float(-change))
        elif change >= min_drop:
            out["n_rises"] += 1
    out["n_plateaus"] = len(out["plateau_levels"])
    return out


def _settling_points(err: np.ndarray, tol: float) -> int:
    """Log points until the error is within ``tol`` of its final value for good (the run's active part).

    The window is a fraction of this, not of the whole history, so a long converged tail (a run capped at
    ``max_steps``) does not widen the window and merge the steps.
    """
    if err.size == 0:
        return 0
    outside = np.flatnonzero(np.abs(err - err[-1]) > tol)
    return int(outside[-1]) + 2 if outside.size else 1


def _flat_points(err: np.ndarray, w: int, tol: float) -> np.ndarray:
    """flat[i]: max − min of err[i : i + w + 1] ≤ tol (the window is truncated at the end)."""
    if err.size == 0:
        return np.zeros(0, dtype=bool)
    padded = np.concatenate([err, np.full(w, err[-1])])  # repeat the last value: the end counts as flat
    win = np.lib.stride_tricks.sliding_window_view(padded, w + 1)
    return (win.max(axis=1) - win.min(axis=1)) <= tol


def _runs(mask: np.ndarray) -> list[tuple[int, int, bool]]:
    """Maximal runs of equal values in a boolean array as (start, end inclusive, value)."""
    if mask.size == 0:
        return []
    cuts = np.flatnonzero(mask[1:] != mask[:-1]) + 1
    starts = np.concatenate([[0], cuts])
    ends = np.concatenate([cuts - 1, [mask.size - 1]])
    return [(int(s), int(e), bool(mask[s])) for s, e in zip(starts, ends, strict=True)]


# ----------------------------------------------------------------------------------------------------------
# Scale-free measures of "one component after another" (issue 16): crossings counted over the whole run,
# separations relative to the emergence times, the error drop each rise brings, the error's largest rise.
# ----------------------------------------------------------------------------------------------------------


def threshold_crossings(top_norms: np.ndarray, threshold: float = 0.05) -> dict[str, Any]:
    """How many components rose above ``threshold`` and how many fell back, counted over the whole run.

    ``n_above[t]`` is the number of (sorted) norms above the threshold at log point t. Every increase of it is
    a rise, every decrease a fall, so a spurious component that rises and later falls back (or is overtaken
    and sinks) adds one rise and one fall even when the count at the end looks right. NaN rows (a finished
    run's tail) are dropped. Returns ``{"rises", "falls", "n_max", "n_final", "k"}`` (k = norms tracked).
    """
    norms = np.asarray(top_norms, dtype=np.float64)
    norms = norms[np.isfinite(norms).all(axis=1)] if norms.ndim == 2 else norms.reshape(0, 1)
    k = int(norms.shape[1]) if norms.ndim == 2 else 0
    if norms.shape[0] == 0:
        return {"rises": 0, "falls": 0, "n_max": 0, "n_final": 0, "k": k}
    n_above = (norms > threshold).sum(axis=1)
    steps = np.diff(np.concatenate([[0], n_above]))
    return {
        "rises": int(steps[steps > 0].sum()),
        "falls": int(-steps[steps < 0].sum()),
        "n_max": int(n_above.max()),
        "n_final": int(n_above[-1]),
        "k": k,
    }


def emergence_separation(times: Sequence[int]) -> dict[str, Any]:
    """Gaps between consecutive emergence times, absolute and relative to the later time (Δt_j / t_{j+1}).

    Emergence times grow like σ^-(N-2) with the init scale σ (order N), so Δt/t compares runs of any length.
    A missing time (-1) gives NaN gaps. Returns ``{"gaps", "relative_gaps", "min_gap", "min_relative_gap"}``
    (min over the gaps; NaN when fewer than two times).
    """
    t = np.asarray(times, dtype=np.float64)
    t = np.where(t < 0, np.nan, t)
    gaps = np.diff(t)
    with np.errstate(divide="ignore", invalid="ignore"):
        rel = gaps / t[1:]
    return {
        "gaps": gaps.tolist(),
        "relative_gaps": rel.tolist(),
        "min_gap": float(np.min(gaps)) if gaps.size else math.nan,
        "min_relative_gap": float(np.min(rel)) if rel.size else math.nan,
    }


def error_drops_at_rises(
    steps: np.ndarray, errors: np.ndarray, times: Sequence[int], final_error: float | None = None
) -> list[float]:
    """The fall of the error each rise brings: err just before t_j minus err just before t_{j+1}.

    "Just before t" is the last log point earlier than t (the first point for t at the start). After the last
    rise the drop runs to ``final_error`` (default: the last finite logged error). Two components rising
    together share one drop, so one of them gets ~0; a missing time (-1) gives NaN.
    """
    steps = np.asarray(steps)
    err = np.asarray(errors, dtype=np.float64)
    keep = np.isfinite(err)
    steps, err = steps[keep], err[keep]
    if err.size == 0:
        return [math.nan] * len(times)
    end = float(err[-1]) if final_error is None else float(final_error)

    def before(t: int) -> float:
        if t < 0:
            return math.nan
        i = int(np.searchsorted(steps, t, side="left")) - 1
        return float(err[max(i, 0)])

    levels = [before(int(t)) for t in times] + [end]
    return [levels[j] - levels[j + 1] for j in range(len(times))]


def max_error_rise(errors: np.ndarray, upto: int | None = None) -> float:
    """Largest rise of the error above its running minimum (0 for a curve that never goes up).

    ``upto``: only the first ``upto`` log points (e.g. the drawn part of a run). NaN points are dropped.
    """
    err = np.asarray(errors, dtype=np.float64)[: None if upto is None else max(int(upto), 1)]
    err = err[np.isfinite(err)]
    if err.size == 0:
        return math.nan
    return float(np.max(err - np.minimum.accumulate(err)))


def converged_min_error(losses: np.ndarray, errors: np.ndarray, stop_loss: float) -> float:
    """Lowest error over the log points where the train loss is below ``stop_loss`` (NaN if it never is).

    What a run reached once it fit the observations, whatever an optimizer's oscillation at the minimum does
    to the error by the time the stopping rule fires (tf Fig. 3: the adaptive step's effective size grows as
    the gradient vanishes; the error at the stop then depends on the phase of that cycle).
    """
    loss = np.asarray(losses, dtype=np.float64)
    err = np.asarray(errors, dtype=np.float64)
    sel = np.isfinite(loss) & np.isfinite(err) & (loss < stop_loss)
    return float(err[sel].min()) if sel.any() else math.nan

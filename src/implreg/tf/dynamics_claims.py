"""tf paper, Fig. 3: claims on the per-init dynamics histories (incremental rank learning).

Every claim is tested on each instance (data seed) of ``tf.dynamics.data_seeds``, a list fixed in config
before any run, and reports the fraction of instances that show it. A claim the spec says must hold
"whatever the random instance" (tf.md §2.5) needs every instance; a claim on a detail of the paper's one
instance (a clean staircase, its final error) needs more than half of them (``MAJORITY``). Tolerances are
derived from the paper's values in ``paper_values.yaml`` and their reading errors, never from our runs.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Mapping
from typing import Any

import numpy as np

from implreg import paper_values
from implreg.claims import EVERY_INSTANCE as ALL
from implreg.claims import MAJORITY_OF_INSTANCES as MAJORITY
from implreg.claims import Claim, instances_phrase, shown_on_enough
from implreg.incremental import (
    converged_min_error,
    emergence_separation,
    emergence_times,
    error_drops_at_rises,
    max_error_rise,
    staircase,
    threshold_crossings,
)

FIGURE = "tf/cp_dynamics"
# ALL: instance-free statements (every instance); MAJORITY: details of the paper's one instance (core rule).

# Tolerances, each derived from a paper value and its reading error (see paper_values.yaml):
# - two components rise "one after another" when Δt/t_{j+1} is at least a third of the smallest relative gap the
#   paper's own emergence times allow within their reading error (0.096), and at least two log intervals apart
#   (closer crossings cannot be told apart at the logging resolution);
MIN_RELATIVE_GAP = 0.096 / 3
MIN_GAP_LOGS = 2
# - each rise must lower the error by at least a third of the paper's smallest step (0.17 - 0.04 reading = 0.13);
MIN_DROP = 0.13 / 3
# - the error of the smallest init may not rise by half of the bump that the paper's one spurious component
#   causes (init 1e-2: +0.04, read to 0.01, so at least 0.03): 0.015; the drawn part of the run only (up to the
#   paper's x-axis cut, train MSE < min_loss), after which the adaptive step oscillates at the minimum;
MAX_ERROR_RISE = 0.03 / 2
# - the first emergence time grows at least half as fast as init^-(N-2) ("roughly like", tf.md §2.5: the paper's
#   halved init gives 3.8 against 4); only between runs whose first rise is resolved (>= 10 log intervals) and
#   not against the largest init, which is not in the small-init regime (the paper's 0.05 -> 0.01 gives ~4, not 25).
EMERGENCE_SCALING_SLACK = 2.0
RESOLVED_LOGS = 10


def _ref(name: str) -> Any:
    return paper_values.value(FIGURE, name)


def instance_checks(
    runs: list[dict],
    target_rank: int,
    threshold: float,
    order: int,
    log_every: int,
    min_loss: float,
    stop_loss: float = 1e-8,
    init_stds: list[float] | None = None,
) -> dict[str, tuple[Any, bool]]:
    """Every claim's (measured, passed) on one instance. runs: one dict per init (see :func:`dynamics_claims`);
    ``init_stds``: the config's inits, which the runs must be (each once)."""
    runs = sorted(runs, key=lambda r: r["init_std"])
    small, large = runs[0], runs[-1]
    r = int(target_rank)
    out: dict[str, tuple[Any, bool]] = {}

    conv = {f"{x['init_std']:g}": bool(x["converged"]) and math.isfinite(float(x["final_recon_error"])) for x in runs}
    # A run with a non-finite logged value has not shown anything; a run flagged converged must have logged it.
    nonfinite = {
        f"{x['init_std']:g}": k
        for x in runs
        for k in LOGGED
        if not np.isfinite(np.asarray(x[k], dtype=np.float64)).all()
    }
    unlogged = [
        f"{x['init_std']:g}"
        for x in runs
        if x["converged"] and not (np.asarray(x["log_mse"]).size and float(np.asarray(x["log_mse"])[-1]) < stop_loss)
    ]
    measured = {**conv, **({"non_finite_logs": nonfinite} if nonfinite else {})}
    if unlogged:
        measured["flagged_converged_but_last_logged_mse_not_below_stop_loss"] = unlogged
    have = [float(x["init_std"]) for x in runs]
    want = sorted(float(v) for v in init_stds) if init_stds is not None else have
    same_inits = len(have) == len(want) and np.allclose(have, want, rtol=1e-9)
    if not same_inits:
        measured.update(inits_in_results=have, configured=want)
    out["all_runs_converged"] = (measured, all(conv.values()) and not nonfinite and not unlogged and same_inits)

    steps, norms, err = small["log_step"], small["log_top_norms"], small["log_recon_error"]
    cross = threshold_crossings(norms, threshold)
    out["smallest_init_exactly_r_components_rise"] = (
        cross,
        cross["rises"] == r and cross["falls"] == 0 and cross["n_final"] == r and cross["k"] > r,
    )

    times = [int(t) for t in emergence_times(steps, norms, threshold)[:r]]
    sep = emergence_separation(times)
    min_gap_ok = all(t >= 0 for t in times) and sep["min_gap"] >= MIN_GAP_LOGS * log_every
    out["smallest_init_components_rise_one_after_another"] = (
        {"emergence_times": times, "min_relative_gap": sep["min_relative_gap"], "min_gap": sep["min_gap"]},
        bool(min_gap_ok and sep["min_relative_gap"] >= MIN_RELATIVE_GAP) if r > 1 else all(t >= 0 for t in times),
    )

    drops = error_drops_at_rises(steps, err, times, float(small["final_recon_error"]))
    out["smallest_init_each_rise_drops_error"] = (drops, all(np.isfinite(drops)) and min(drops) >= MIN_DROP)

    cut = int(np.searchsorted(steps, _plot_cut(steps, small["log_mse"], min_loss), side="right"))
    rise = max_error_rise(err, cut)
    out["smallest_init_error_never_rises"] = (rise, bool(np.isfinite(rise) and rise <= MAX_ERROR_RISE))

    stairs = staircase(steps, err)
    need = max(2, r - 2)
    out["smallest_init_error_staircase"] = (
        {"drops": stairs["n_drops"], "plateau_levels": stairs["plateau_levels"][:8]},
        stairs["n_drops"] >= need,
    )

    lcross = threshold_crossings(large["log_top_norms"], threshold)
    lstairs = staircase(large["log_step"], large["log_recon_error"])
    out["largest_init_not_incremental"] = (
        {"n_max_above": lcross["n_max"], "n_final_above": lcross["n_final"], "error_drops": lstairs["n_drops"]},
        len(runs) > 1 and lcross["n_max"] > r and lstairs["n_drops"] < need,
    )

    first = {f"{x['init_std']:g}": int(emergence_times(x["log_step"], x["log_top_norms"], threshold)[0]) for x in runs}
    ok = len(runs) > 1 and all(t >= 0 for t in first.values())
    ratios = {}
    for a, b in itertools.pairwise(runs):  # a: smaller init, b: the next larger
        ta, tb = first[f"{a['init_std']:g}"], first[f"{b['init_std']:g}"]
        ok = ok and ta > tb
        if b is not large and tb >= RESOLVED_LOGS * log_every:  # the small-init regime only
            ratio, theory = ta / tb, (b["init_std"] / a["init_std"]) ** (order - 2)
            ratios[f"{a['init_std']:g}/{b['init_std']:g}"] = {"ratio": ratio, "init^-(N-2)": theory}
            ok = ok and ratio >= theory / EMERGENCE_SCALING_SLACK
    out["emergence_later_for_smaller_init"] = ({"first_emergence": first, "ratios": ratios}, ok)

    vals = [converged_min_error(x["log_mse"], x["log_recon_error"], stop_loss) for x in runs]
    errs = {
        f"{x['init_std']:g}": {"min_once_fit": v, "at_stop": float(x["final_recon_error"])}
        for x, v in zip(runs, vals, strict=True)
    }
    out["smaller_init_lower_error"] = (
        errs,
        len(runs) > 1 and all(np.isfinite(vals)) and all(a < b for a, b in itertools.pairwise(vals)),
    )
    # The follow-up pre-registered 2026-12-07 (docs/claims.md): the paper's two ends only, same quantity.
    ends = {f"{x['init_std']:g}": errs[f"{x['init_std']:g}"]["min_once_fit"] for x in (small, large)}
    out["smallest_init_below_largest_error"] = (
        ends,
        len(runs) > 1 and bool(np.isfinite(vals[0]) and np.isfinite(vals[-1]) and vals[0] < vals[-1]),
    )
    return out


LOGGED = ("log_mse", "log_recon_error", "log_top_norms")


def run_is_clean(run: dict, target_rank: int, threshold: float, min_loss: float) -> bool:
    """Exactly r* components rise, none falls back, and the error never rises (over the drawn part)."""
    cross = threshold_crossings(run["log_top_norms"], threshold)
    steps = run["log_step"]
    cut = int(np.searchsorted(steps, _plot_cut(steps, run["log_mse"], min_loss), side="right"))
    rise = max_error_rise(run["log_recon_error"], cut)
    return bool(
        cross["rises"] == target_rank
        and cross["falls"] == 0
        and cross["n_final"] == target_rank
        and np.isfinite(rise)
        and rise <= MAX_ERROR_RISE
    )


def _plot_cut(log_step: np.ndarray, log_mse: np.ndarray, min_loss: float) -> int:
    below = np.flatnonzero(np.asarray(log_mse) < min_loss)
    return int(log_step[below[0]]) if below.size else int(log_step[-1])


def _specs(target_rank: int, threshold: float, order: int) -> dict[str, dict[str, Any]]:
    """Statement, paper value, expectation, tolerance reason and required instance fraction of each claim."""
    r, th = int(target_rank), f"{threshold:g}"
    return {
        "all_runs_converged": {
            "statement": "every run stops by the paper's rule (train MSE below the stop loss at more than "
            "stop_patience consecutive checks): none hits the step cap, none turns NaN",
            "paper": _ref("convergence"),
            "expected": "converged for every init",
            "tolerance_reason": "exact (a boolean)",
            "fraction": ALL,
            "required": True,
        },
        "smallest_init_exactly_r_components_rise": {
            "statement": f"smallest init: exactly r* = {r} components ever rise above {th} and none falls "
            "back, at any time of the run (a spurious component that rises and falls counts)",
            "paper": f"init 0.005: exactly {_ref('target_rank')} components leave zero, the other 995 stay at ~0",
            "expected": f"rises == {r}, falls == 0, {r} above at the end, more than {r} norms tracked",
            "tolerance_reason": f"exact count; threshold {th} is the spec's 'norms above about 0.05' (tf.md §2.5)",
            "fraction": MAJORITY,
        },
        "smallest_init_components_rise_one_after_another": {
            "statement": "smallest init: the r* components rise one after another, well apart relative to "
            "their own emergence times",
            "paper": {
                "emergence_times": _ref("smallest_init_emergence_times"),
                "min_relative_gap": _ref("smallest_init_min_relative_gap"),
            },
            "expected": f"first {r} emergence times exist, min (t_j+1 - t_j)/t_j+1 >= {MIN_RELATIVE_GAP:.3g} "
            f"and every gap >= {MIN_GAP_LOGS} log intervals",
            "tolerance_reason": "a third of the smallest relative gap the paper's times allow within their "
            "reading error (+-200 iterations: 0.096); 2 log intervals = the logging resolution",
            "fraction": MAJORITY,
        },
        "smallest_init_each_rise_drops_error": {
            "statement": "smallest init: each component's rise lowers the reconstruction error by a step "
            "(error just before rise j minus error just before rise j+1, the last one to the final error)",
            "paper": {
                "staircase": _ref("smallest_init_error_staircase"),
                "min_step": _ref("smallest_init_min_error_drop"),
            },
            "expected": f"every drop >= {MIN_DROP:.3g}",
            "tolerance_reason": "a third of the paper's smallest step less its reading error (0.17 - 0.04); the "
            "instance sets each component's share of the error",
            "fraction": MAJORITY,
        },
        "smallest_init_error_never_rises": {
            "statement": "smallest init: the reconstruction error never goes up (no spurious component fits the "
            "observed entries at the expense of the rest), over the drawn part of the run",
            "paper": {
                "init 5e-3": "no rise",
                "init 1e-2 spurious-component bump": _ref("spurious_component_error_bump"),
            },
            "expected": f"largest rise above the running minimum <= {MAX_ERROR_RISE:g}",
            "tolerance_reason": "half the smallest bump one spurious component makes in the paper (0.04 - 0.01 "
            "reading); the drawn part ends where the train MSE first falls below plot_min_loss (paper's x cut)",
            "fraction": MAJORITY,
        },
        "smallest_init_error_staircase": {
            "statement": "smallest init: the reconstruction error falls in steps (plateaus between drops)",
            "paper": _ref("smallest_init_error_staircase"),
            "expected": f">= {max(2, r - 2)} separate drops (components rising close together merge into one)",
            "tolerance_reason": "the paper shows r* drops; two of them may merge when components rise close "
            "together (the detector's window is 1% of the run)",
            "fraction": MAJORITY,
        },
        "largest_init_not_incremental": {
            "statement": f"largest init: not incremental: more than r* = {r} components rise above {th} and the "
            "error falls without a staircase",
            "paper": _ref("largest_init_many_components"),
            "expected": f"most components above {th} at once > {r}, and < {max(2, r - 2)} error drops",
            "tolerance_reason": "exact count against r*; the staircase detector's own threshold (as above)",
            "fraction": ALL,
        },
        "emergence_later_for_smaller_init": {
            "statement": f"the first component rises later for smaller init, roughly like init^-{order - 2} "
            f"(order {order})",
            "paper": {"first_emergence_times": _ref("first_emergence_times"), "scaling": _ref("emergence_scaling")},
            "expected": "first emergence strictly later for every smaller init; between the smaller inits, where "
            f"resolved (>= {RESOLVED_LOGS} log intervals), ratio >= (init ratio)^(N-2) / {EMERGENCE_SCALING_SLACK:g}",
            "tolerance_reason": "'roughly': a factor 2 below the init^-(N-2) scaling (the paper's 3.8 vs 4 sits "
            "within it; the adaptive step changes the time scale)",
            "fraction": ALL,
        },
        "smaller_init_lower_error": {
            "statement": "smaller init gives a lower final reconstruction error (strictly, for every pair): the "
            "error each init reaches once its train MSE is below the stop loss (the error at the stop beside it)",
            "paper": _ref("final_errors"),
            "expected": "min error once fit strictly increasing with the init",
            "tolerance_reason": "exact ordering, as in the paper's 7e-6 < 3e-2 < 8e-2, of the error once fit: by the "
            "stop the adaptive step's oscillation at the minimum (notes M1) leaves both small inits at ~3e-3 in an "
            "order set by the phase of that cycle (notes M5: 3.3e-3 vs 3.4e-3). Instance-dependent: a spurious "
            "or unseen component can capture either small init (investigation notes M2: init 0.005 below 0.01 on 5 "
            "of 8 instances), so a majority of the instances, not all",
            "fraction": MAJORITY,
        },
        "smallest_init_below_largest_error": {
            "statement": "the smallest init ends with a lower reconstruction error than the largest (the paper's "
            "two ends): the error each reaches once its train MSE is below the stop loss; pre-registered "
            "2026-12-07 as the follow-up of the finding smaller_init_lower_error (docs/claims.md)",
            "paper": _ref("final_errors"),
            "expected": "min error once fit of the smallest init < that of the largest",
            "tolerance_reason": "exact ordering, as the paper's 7e-6 < 8e-2 (the two ends differ by four orders "
            "there); the quantity and the instance rule (a majority) are the finding's, fixed before any run "
            "evaluated this claim",
            "fraction": MAJORITY,
        },
    }


def dynamics_claims(
    instances: Mapping[int, list[dict]] | list[dict],
    target_rank: int,
    threshold: float,
    *,
    order: int = 4,
    log_every: int = 25,
    min_loss: float = 1e-6,
    stop_loss: float = 1e-8,
    final_error_factor: float | None = None,
    init_stds: list[float] | None = None,
) -> list[Claim]:
    """Claims of Fig. 3 over the instances ``{data seed: runs}`` (a bare list of runs = one instance, seed 0).

    A run is a dict with ``init_std, converged, final_recon_error, log_step, log_mse, log_top_norms,
    log_recon_error`` (as :func:`implreg.tf.dynamics.split_runs` gives). ``final_error_factor`` adds the claim on
    the smallest init's final error, bounded by that multiple of the paper's 7e-6. ``init_stds``: the config's
    inits; an instance whose runs are other inits fails the convergence claim (as does a non-finite log).
    """
    if not isinstance(instances, Mapping):
        instances = {0: list(instances)}
    checks = {
        seed: instance_checks(runs, target_rank, threshold, order, log_every, min_loss, stop_loss, init_stds)
        for seed, runs in instances.items()
    }
    specs = _specs(target_rank, threshold, order)
    if final_error_factor is not None:
        paper_err = float(_ref("final_errors")["0.005"])
        bound = paper_err * float(final_error_factor)
        for seed, runs in instances.items():
            small = min(runs, key=lambda x: x["init_std"])
            reached = converged_min_error(small["log_mse"], small["log_recon_error"], stop_loss)
            at_stop = float(small["final_recon_error"])
            checks[seed]["smallest_init_final_error_small"] = (
                {"min_once_fit": reached, "at_stop": at_stop},
                bool(np.isfinite(reached) and np.isfinite(at_stop) and reached <= bound),
            )
        specs["smallest_init_final_error_small"] = {
            "statement": "smallest init recovers W*: once its train MSE is below the stop loss, the reconstruction "
            "error gets down to the paper's level (the error at the stop is reported beside it)",
            "paper": paper_err,
            "expected": f"min error while train MSE < {stop_loss:g} <= {bound:g} ({final_error_factor:g} x the "
            "paper's), and finite at the stop",
            "tolerance_reason": f"{final_error_factor:g} x the paper's one-digit 7e-6 (one run on one instance); a "
            "run that recovers W* and one that does not differ by >= 3 orders (1e-2..1 with a spurious or unseen "
            "component). Min while fit, not at the stop: the adaptive step's effective size grows as the gradient "
            "vanishes and the error oscillates up to ~1e-2 at the minimum; where in that cycle the 51-check "
            "patience ends decides the error at the stop (investigation notes M1), in the authors' code as in ours",
            "fraction": MAJORITY,
        }
    stds = sorted({float(x["init_std"]) for runs in instances.values() for x in runs})
    if len(stds) > 2:  # the inits below the largest (the largest is not incremental: claim above)
        clean = {
            f"{sd:g}": [
                run_is_clean(next(x for x in runs if float(x["init_std"]) == sd), target_rank, threshold, min_loss)
                for runs in instances.values()
            ]
            for sd in stds[:-1]
        }
        counts = {k: f"{sum(v)}/{len(v)}" for k, v in clean.items()}
        frac = [sum(v) for v in clean.values()]  # smallest init first
        ok = all(a >= b for a, b in itertools.pairwise(frac))
        for per_seed in checks.values():
            per_seed["smaller_init_more_often_clean"] = (counts, ok)
        specs["smaller_init_more_often_clean"] = {
            "statement": "lower init gives a more incremental process: over the instances, every smaller init "
            "rises cleanly (exactly r*, none extra at any time, the error never rising) at least as often as the "
            "next larger one",
            "paper": "init 0.005 clean, init 0.01 with a spurious 6th component (Fig. 3)",
            "expected": "instances clean per init, non-increasing with the init (inits below the largest)",
            "tolerance_reason": "exact counts over the instances fixed in config; 'clean' uses the thresholds of "
            "the claims above",
            "fraction": ALL,
        }
    claims = []
    n = len(checks)
    for cid, spec in specs.items():
        passes = [bool(checks[s][cid][1]) for s in checks]
        every = spec["fraction"] == ALL
        ok = shown_on_enough(passes, every)
        measured = {f"data_seed {s}": checks[s][cid][0] for s in checks}
        if n > 1:
            measured["fraction_of_instances"] = f"{sum(passes)}/{n}"
        expected = spec["expected"] + ("" if n == 1 else " " + instances_phrase(every))
        claims.append(
            Claim(
                cid,
                spec["statement"],
                measured,
                expected,
                ok,
                paper=spec["paper"],
                tolerance_reason=spec["tolerance_reason"],
                required=spec.get("required", False),
            )
        )
    return claims


def claims_with_job_settings(instances: Mapping[int, list[dict]], p: Any) -> list[Claim]:
    """:func:`dynamics_claims` with the claim settings of a job's params (``target_rank``, ``threshold``,
    ``order``, ``log_every``, ``min_loss``, ``stop_loss``, ``final_error_factor``, ``init_stds``): the figure
    and its robustness target both judge through here, so they cannot pass different settings."""
    return dynamics_claims(
        instances,
        int(p.target_rank),
        float(p.threshold),
        order=int(p.order),
        log_every=int(p.log_every),
        min_loss=float(p.min_loss),
        stop_loss=float(p.stop_loss),
        final_error_factor=float(p.final_error_factor),
        init_stds=[float(v) for v in p.init_stds],
    )

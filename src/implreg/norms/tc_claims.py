"""Norms paper, Fig. 2 and appendix B: the claims tested on the tensor-completion errors and CP ranks.

Every claim is computed on every run, capped ones included: a run that stops at the step cap can make a
claim fail, never make it untested. A preset whose cap is known, before it runs, to stop the small-init
runs declares those claims in config (presets.<name>.untestable_claims); the convergence claim
`small_init_runs_converge` cannot be declared.
"""

from __future__ import annotations

import math

import numpy as np

from implreg import paper_values
from implreg.claims import Claim
from implreg.norms.tc import median_iqr

INTEGER = "exact: ranks are integers and the paper's rank readings are exact (0-20 axis, integer ticks)"


def grid_problems(runs_by_init: dict[float, list[dict]], linear: list[dict], grid: dict | None) -> list[str]:
    """What the tables lack or hold that makes them unusable: a configured run (init, N, repetition) missing or
    twice, a non-finite error or rank (a median silently drops a NaN), a linear fit missing at some N.
    ``grid``: {"num_observations": [...], "repetitions": n, "init_stds": [...]} from config; None checks
    finiteness only."""
    problems = []
    if grid is not None:
        want_inits = sorted(float(i) for i in grid["init_stds"])
        if sorted(float(i) for i in runs_by_init) != want_inits:
            problems.append(f"inits {sorted(runs_by_init)} in the results, {want_inits} configured")
    for init, rows in sorted(runs_by_init.items()):
        bad = sorted({int(r["num_obs"]) for r in rows for k in ("error", "rank") if not _finite(r.get(k))})
        if bad:
            problems.append(f"init {init:g}: non-finite error or rank at N = {bad}")
        if grid is not None:
            have = [(int(r["num_obs"]), int(r["rep"])) for r in rows]
            want = {(int(n), k) for n in grid["num_observations"] for k in range(int(grid["repetitions"]))}
            missing = sorted(want - set(have))
            if missing:
                problems.append(f"init {init:g}: {len(missing)} configured runs missing (N, rep): {missing[:6]}")
            if len(have) != len(set(have)) or set(have) - want:
                problems.append(f"init {init:g}: runs twice or not configured: {sorted(set(have) - want)[:6]}")
    lin = [r for r in linear if r["what"] == "linear"]
    bad = sorted(int(r["num_obs"]) for r in lin if not (_finite(r.get("error")) and _finite(r.get("rank"))))
    if bad:
        problems.append(f"linear baseline: non-finite at N = {bad}")
    if grid is not None:
        gone = sorted({int(n) for n in grid["num_observations"]} - {int(r["num_obs"]) for r in lin})
        if gone:
            problems.append(f"linear baseline: missing N = {gone}")
    return problems


def _finite(v) -> bool:
    try:
        return math.isfinite(float(v))
    except (TypeError, ValueError):
        return False


def tc_claims(
    runs_by_init: dict[float, list[dict]],
    linear: list[dict],
    target_rank: int,
    rank_from: int,
    error_from: int,
    error_factor: float = 1000.0,
    init_ordering: bool = True,
    figure: str | None = None,
    grid: dict | None = None,
) -> list[Claim]:
    """Fig. 2's pass criteria: small init recovers the target's rank and beats linear by `error_factor`.

    figure: the block of paper_values.yaml the claims cite (default: Fig. 2 order 3 for rank 1,
    appendix B order 3 for rank 3). init_ordering: the figure's paper claims that a smaller init gives a
    lower error (Fig. 2, rank 1); the claim is only made where the paper makes it. grid: the configured runs
    (`grid_problems`); the convergence claim also fails when a run is missing or non-finite.
    """
    figure = figure or ("norms/tc_rank1_order3" if target_rank == 1 else "norms/tc_rank3_order3")
    pv = paper_values.for_figure(figure)
    smallest = min(runs_by_init)
    small = runs_by_init[smallest]
    lin = {int(r["num_obs"]): r for r in linear if r["what"] == "linear"}
    truth = next((r["rank"] for r in linear if r["what"] == "target"), None)
    claims = [
        Claim(
            "target_rank_estimate",
            "the CP-rank estimate of the ground truth equals its CP rank",
            truth,
            f"{target_rank}",
            truth == target_rank,
            paper=f"ground-truth line at {target_rank}",
            tolerance_reason=INTEGER,
        )
    ]
    ns = sorted({int(r["num_obs"]) for r in small})
    ranks = {n: v[1] for n, v in median_iqr(small, "rank").items()}
    errs = {n: v[1] for n, v in median_iqr(small, "error").items()}

    big = [n for n in ns if n >= rank_from]
    measured = {n: ranks[n] for n in big}
    claims.append(
        Claim(
            "small_init_recovers_rank",
            f"tf with init {smallest:g}: median estimated rank = {target_rank} for every N >= {rank_from}",
            measured if big else f"no N >= {rank_from} among {ns}",
            f"all == {target_rank}",
            bool(big) and all(ranks[n] == target_rank for n in big),
            paper=paper_values.cite(pv, "small_init_rank"),
            tolerance_reason=INTEGER,
        )
    )

    big = [n for n in ns if n >= error_from]
    ratio = {n: lin[n]["error"] / max(errs[n], 1e-300) if n in lin else float("nan") for n in big}
    claims.append(
        Claim(
            "small_init_beats_linear",
            f"tf with init {smallest:g}: median error >= {error_factor:g}x below the linear baseline for every "
            f"N >= {error_from}",
            ratio if big else f"no N >= {error_from} among {ns}",
            f"every ratio >= {error_factor:g}",
            bool(big) and all(math.isfinite(v) and v >= error_factor for v in ratio.values()),
            paper=paper_values.cite(pv, "beats_linear"),
            tolerance_reason=f"the paper's stated margin ({error_factor:g}x, config claim_error_factor): "
            + (
                "3 orders of magnitude (Fig. 2 reads 2-5e-6 against linear >= 0.07, itself > 4 orders; "
                "a factor-2 reading error cannot reach the bound)"
                if error_factor >= 1000
                else "the spec's appendix-B sims (errors <= 1e-2, its one outlier, where linear is >= 0.11)"
            ),
        )
    )
    conv = {n: sum(bool(r["converged"]) for r in small if r["num_obs"] == n) for n in big}
    total = {n: sum(1 for r in small if r["num_obs"] == n) for n in big}
    broken = grid_problems(runs_by_init, linear, grid)
    measured = {n: f"{conv[n]}/{total[n]}" for n in big} if big else f"no N >= {error_from} among {ns}"
    claims.append(
        Claim(
            "small_init_runs_converge",
            f"tf with init {smallest:g}: every run with N >= {error_from} meets the stopping rule (not the step cap); "
            "every configured run (init, N, repetition) and linear fit is there, with a finite error and rank",
            {"converged": measured, "unusable": broken} if broken else measured,
            "all converged, nothing missing or non-finite",
            bool(big) and all(conv[n] == total[n] for n in big) and not broken,
            paper="the paper's runs reach MSE < 1e-6 except the N = 100 order-4 runs (spec s.2 Fig. 2)",
            tolerance_reason="exact: the stopping rule is met or it is not",
            required=True,
        )
    )

    if init_ordering:
        st = f"smaller init gives lower error: median error of init {smallest:g} < that of the largest init, every N >= {error_from}"
        if len(runs_by_init) < 2:
            claims.append(
                Claim(
                    "smaller_init_lower_error",
                    st,
                    f"one init scale ({smallest:g}) in this preset",
                    "true for every N",
                    None,
                    paper=paper_values.cite(pv, "init_ordering"),
                    tolerance_reason="the paper's figure: the two curves are >= 1 decade apart for N >= 200 "
                    "(order 3), well beyond the factor-2 reading error, so every N must show it",
                )
            )
        else:
            large_errs = {n: v[1] for n, v in median_iqr(runs_by_init[max(runs_by_init)], "error").items()}
            pairs = {n: [errs[n], large_errs.get(n, float("nan"))] for n in big}
            claims.append(
                Claim(
                    "smaller_init_lower_error",
                    st,
                    pairs if big else f"no N >= {error_from} among {ns}",
                    "true for every N",
                    bool(big) and all(a < b for a, b in pairs.values()),
                    paper=paper_values.cite(pv, "init_ordering"),
                    tolerance_reason="the paper's figure: the two curves are >= 1 decade apart for N >= 200 "
                    "(order 3), well beyond the factor-2 reading error, so every N must show it",
                )
            )

    lin_ranks = {n: r["rank"] for n, r in lin.items()}
    peak = max((v for v in lin_ranks.values() if np.isfinite(v)), default=np.nan)
    claims.append(
        Claim(
            "linear_rank_high",
            "the linear baseline's estimated rank is far above the target's for intermediate N",
            lin_ranks,
            f"max >= {5 * target_rank}",
            bool(np.isfinite(peak) and peak >= 5 * target_rank),
            paper=paper_values.cite(pv, "linear_rank"),
            tolerance_reason="the paper's readings: linear ranks 12-17 (rank 1, order 3), up to 52 (order 4) and "
            "17-21 in the spec's rank-3 sims, i.e. >= 5.7x the target; 5x is below all of them",
        )
    )
    return claims

"""Norms paper, Fig. 2 and appendix B: the claims tested on the tensor-completion errors and CP ranks."""

from __future__ import annotations

import numpy as np

from implreg.claims import Claim, untestable
from implreg.norms.tc import median_iqr


def tc_claims(
    runs_by_init: dict[float, list[dict]],
    linear: list[dict],
    target_rank: int,
    rank_from: int,
    error_from: int,
    error_factor: float = 1000.0,
    init_ordering: bool = True,
    capped_below_paper: bool = False,
) -> list[Claim]:
    """Fig. 2's pass criteria: small init recovers the target's rank and beats linear by >= 3 orders.

    capped_below_paper: this preset's step cap is below the paper's (1e6). If small-init runs in the claimed
    range then stop at the cap, the preset is too small to test the small-init claims: they are reported
    as untested (null), with what was measured, rather than as failures of the paper's statement.
    """
    smallest = min(runs_by_init)
    small = runs_by_init[smallest]
    lin = {r["num_obs"]: r for r in linear if r["what"] == "linear"}
    truth = next(r["rank"] for r in linear if r["what"] == "target")
    claims = [
        Claim(
            "target_rank_estimate",
            "the CP-rank estimate of the ground truth equals its CP rank",
            truth,
            f"{target_rank}",
            truth == target_rank,
        )
    ]
    ns = sorted({r["num_obs"] for r in small})
    ranks = {n: v[1] for n, v in median_iqr(small, "rank").items()}
    errs = {n: v[1] for n, v in median_iqr(small, "error").items()}
    st_rank = f"tf with init {smallest:g}: median estimated rank = {target_rank} for every N >= {rank_from}"
    big = [n for n in ns if n >= rank_from]
    if big:
        claims.append(
            Claim(
                "small_init_recovers_rank",
                st_rank,
                {n: ranks[n] for n in big},
                f"all == {target_rank}",
                all(ranks[n] == target_rank for n in big),
            )
        )
    else:
        claims.append(
            untestable(
                "small_init_recovers_rank", st_rank, f"all == {target_rank}", f"no N >= {rank_from} in this preset"
            )
        )
    st_err = (
        f"tf with init {smallest:g}: median error >= {error_factor:g}x below the linear baseline for every "
        f"N >= {error_from}"
    )
    big = [n for n in ns if n >= error_from]
    if big:
        ratio = {n: lin[n]["error"] / max(errs[n], 1e-300) for n in big}
        claims.append(
            Claim(
                "small_init_beats_linear",
                st_err,
                ratio,
                f"every ratio >= {error_factor:g}",
                all(v >= error_factor for v in ratio.values()),
            )
        )
        conv = {n: sum(r["converged"] for r in small if r["num_obs"] == n) for n in big}
        total = {n: sum(1 for r in small if r["num_obs"] == n) for n in big}
        claims.append(
            Claim(
                "small_init_runs_converge",
                f"tf with init {smallest:g}: every run with N >= {error_from} "
                "meets the stopping rule (not the step cap)",
                {n: f"{conv[n]}/{total[n]}" for n in big},
                "all converged",
                all(conv[n] == total[n] for n in big),
            )
        )
    else:
        claims.append(
            untestable(
                "small_init_beats_linear",
                st_err,
                f"every ratio >= {error_factor:g}",
                f"no N >= {error_from} in this preset",
            )
        )
    st_init = "smaller init gives lower error: median error of the smallest init <= that of the largest, N >= "
    if not init_ordering:
        claims.append(
            untestable(
                "smaller_init_lower_error",
                st_init + str(error_from),
                "true for >= 80% of N",
                "the paper makes this claim for the rank-1 experiments only",
            )
        )
    elif len(runs_by_init) < 2 or not big:
        claims.append(
            untestable(
                "smaller_init_lower_error",
                st_init + str(error_from),
                "true for >= 80% of N",
                "one init scale only" if len(runs_by_init) < 2 else f"no N >= {error_from}",
            )
        )
    else:
        large_errs = {n: v[1] for n, v in median_iqr(runs_by_init[max(runs_by_init)], "error").items()}
        better = {n: errs[n] <= large_errs[n] for n in big}
        claims.append(
            Claim(
                "smaller_init_lower_error",
                st_init + str(error_from),
                {n: [errs[n], large_errs[n]] for n in big},
                "true for >= 80% of N",
                sum(better.values()) >= 0.8 * len(better),
            )
        )
    unfinished = sorted(
        {r["num_obs"] for r in small if not r["converged"] and r["num_obs"] >= min(rank_from, error_from)}
    )
    if capped_below_paper and unfinished:
        why = (
            f"small-init runs at N = {unfinished} hit this preset's step cap (below the paper's 1e6); "
            "run the paper preset to test this claim"
        )
        small_ids = {
            "small_init_recovers_rank",
            "small_init_beats_linear",
            "small_init_runs_converge",
            "smaller_init_lower_error",
        }
        claims = [
            untestable(c.id, c.statement, c.expected, f"{why}; measured {c.measured}") if c.id in small_ids else c
            for c in claims
        ]
    lin_ranks = {n: r["rank"] for n, r in lin.items()}
    peak = max((v for v in lin_ranks.values() if np.isfinite(v)), default=np.nan)
    claims.append(
        Claim(
            "linear_rank_high",
            "the linear baseline's estimated rank is far above the target's for intermediate N",
            lin_ranks,
            f"max >= {5 * target_rank}",
            bool(np.isfinite(peak) and peak >= 5 * target_rank),
        )
    )
    return claims

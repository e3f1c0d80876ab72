"""Locality figures: per-run test accuracies → the plotted table → the paper's qualitative claims.

The paper (spec section 6): at the shortest range (d = 0, L = 3) every λ gives the same accuracy; the
baseline (λ = 0) falls to chance (≈ 50%) at the longest range; the regulariser recovers a clear part of that
gap, more with larger λ. Accuracies here are in percent.
"""

from __future__ import annotations

import itertools
from collections import defaultdict

import numpy as np

from implreg.claims import Claim, untestable

CHANCE = 50.0


def summary(runs: list[dict]) -> list[dict]:
    """Rows (setting, lam, mean, std, n, seeds) over seeds from runs {setting, lam, seed, test_acc [%]};
    std is the population std (np.std), as the paper's error bars."""
    groups: dict[tuple[float, float], list[tuple[int, float]]] = defaultdict(list)
    for r in runs:
        groups[(float(r["setting"]), float(r["lam"]))].append((int(r["seed"]), float(r["test_acc"])))
    rows = []
    for (setting, lam), vals in sorted(groups.items()):
        acc = np.array([v for _, v in vals])
        rows.append(
            {
                "setting": int(setting) if setting.is_integer() else setting,
                "lam": lam,
                "mean": float(acc.mean()),
                "std": float(acc.std()),
                "n": len(acc),
                "seeds": " ".join(str(s) for s, _ in sorted(vals)),
            }
        )
    return rows


def _means(rows: list[dict]) -> dict[tuple[float, float], tuple[float, float]]:
    return {(r["setting"], r["lam"]): (r["mean"], r["std"]) for r in rows}


def locality_claims(
    rows: list[dict],
    setting_name: str = "distance",
    agree_tol: float = 3.0,
    min_drop: float = 8.0,
    chance_tol: float = 10.0,
    recover_frac: float = 0.25,
    testable: bool = True,
    why_untestable: str = "",
) -> list[Claim]:
    """The paper's statements on summary rows. A claim the rows cannot test (one λ, one setting, no baseline,
    no gap to recover, or `testable` False) is recorded with ``passed=None``."""
    stmts = {
        "short_range_lambdas_agree": (
            f"at the shortest {setting_name} every regularisation coefficient gives the same test accuracy",
            f"max - min of the mean accuracies over λ <= max({agree_tol:g}, 2 x the largest std) points",
        ),
        "baseline_drops_to_chance": (
            f"without the regulariser, accuracy falls towards chance ({CHANCE:g}%) at the longest {setting_name}",
            f"λ=0: shortest - longest >= {min_drop:g} points and longest <= {CHANCE + chance_tol:g}%",
        ),
        "regularizer_recovers_gap": (
            f"the largest λ recovers a clear part of the baseline's gap at the longest {setting_name}",
            f"(acc[λmax, longest] - acc[0, longest]) / (acc[0, shortest] - acc[0, longest]) >= {recover_frac:g}",
        ),
        "gain_grows_with_lambda": (
            f"at the longest {setting_name} accuracy does not decrease as λ grows",
            f"mean accuracy at each larger λ >= the previous one - {agree_tol:g} points",
        ),
    }
    if not testable:
        return [untestable(cid, st, exp, why_untestable or "preset too small") for cid, (st, exp) in stmts.items()]
    means = _means(rows)
    settings = sorted({r["setting"] for r in rows})
    lams = sorted({r["lam"] for r in rows})
    short, long = (settings[0], settings[-1]) if settings else (None, None)
    claims = []

    cid = "short_range_lambdas_agree"
    have = [lam for lam in lams if (short, lam) in means]
    if len(have) < 2:
        claims.append(untestable(cid, *stmts[cid], "fewer than two λ at the shortest setting"))
    else:
        vals = {lam: means[(short, lam)][0] for lam in have}
        tol = max(agree_tol, 2 * max(means[(short, lam)][1] for lam in have))
        spread = max(vals.values()) - min(vals.values())
        measured = {"setting": short, "mean_by_lambda": vals, "spread": spread, "tolerance": tol}
        claims.append(Claim(cid, *stmts[cid][:1], measured, stmts[cid][1], spread <= tol))

    base_ok = len(settings) >= 2 and (short, 0.0) in means and (long, 0.0) in means
    gap = means[(short, 0.0)][0] - means[(long, 0.0)][0] if base_ok else float("nan")
    cid = "baseline_drops_to_chance"
    if not base_ok:
        claims.append(untestable(cid, *stmts[cid], "needs λ = 0 at two settings"))
    else:
        b_long = means[(long, 0.0)][0]
        measured = {"shortest": means[(short, 0.0)][0], "longest": b_long, "drop": gap}
        claims.append(
            Claim(cid, stmts[cid][0], measured, stmts[cid][1], gap >= min_drop and b_long <= CHANCE + chance_tol)
        )

    cid = "regularizer_recovers_gap"
    top = max((lam for lam in lams if lam > 0 and (long, lam) in means), default=None)
    if not base_ok or top is None:
        claims.append(untestable(cid, *stmts[cid], "needs λ = 0 at two settings and a λ > 0 at the longest"))
    elif gap < min_drop:
        claims.append(
            untestable(cid, *stmts[cid], f"the baseline drops only {gap:.1f} < {min_drop:g} points: no gap to recover")
        )
    else:
        frac = (means[(long, top)][0] - means[(long, 0.0)][0]) / gap
        measured = {
            "lambda": top,
            "acc_lambda_longest": means[(long, top)][0],
            "acc_baseline_longest": means[(long, 0.0)][0],
            "gap": gap,
            "recovered_fraction": frac,
        }
        claims.append(Claim(cid, stmts[cid][0], measured, stmts[cid][1], frac >= recover_frac))

    cid = "gain_grows_with_lambda"
    at_long = [lam for lam in lams if (long, lam) in means]
    if len(at_long) < 3 or not base_ok or gap < min_drop:
        claims.append(untestable(cid, *stmts[cid], "needs >= 3 λ at the longest setting and a baseline gap"))
    else:
        vals = [means[(long, lam)][0] for lam in at_long]
        ok = all(b >= a - agree_tol for a, b in itertools.pairwise(vals))
        claims.append(Claim(cid, stmts[cid][0], dict(zip(at_long, vals, strict=True)), stmts[cid][1], ok))
    return claims

"""Locality figures: per-run test accuracies → the plotted table → the paper's qualitative claims.

The paper (spec section 6): at the shortest range (d = 0, L = 3) every λ gives the same accuracy; the
baseline (λ = 0) falls to chance (≈ 50%) at the longest range; the regulariser recovers a clear part of that
gap, more with larger λ. Accuracies here are in percent.

The claims test the *shape* (agreement at short range, the baseline's drop, the recovered share of the gap,
its growth with λ), not the paper's absolute accuracies: the default preset runs substitutes (Fashion-MNIST tiles
instead of CIFAR-10, a 100 x 100 Pathfinder at L in {3, 5}, a narrow ResNet) whose accuracies differ by design
(Is-Same baseline 76.7% at d = 0 against the paper's 61.1%). The paper's own values (paper_values.yaml) are cited
beside each claim and drawn as markers on the figure.

Which claims a preset's grid cannot test (one λ > 0 only, so no growth with λ) is declared in config
(``untestable_claims``); everything else the rows cannot support (no baseline at two settings, no drop) fails.
"""

from __future__ import annotations

import itertools
from collections import defaultdict

import numpy as np

from implreg.claims import Claim, untestable
from implreg.paper_values import value as paper_value

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


TOL_AGREE = (
    "measured seed spread: max(agree_tol, 2 x the largest seed std at that setting); agree_tol (3 points) floors "
    "it because 2-3 seeds underestimate the std. The paper's spread is 0.3-0.4 points (reading error 0.3 / 1)"
)
TOL_DROP = (
    "shape, not absolute accuracy (the substitute task's accuracies differ from the paper's by design): a drop of "
    "at least min_drop (8 points, the calibration threshold fixed before the grid runs; the paper's smallest drop "
    "is 10.7 +- 0.4) to within chance_tol (10 points, ~3 x the baseline's seed std at the long setting measured "
    "at the default preset: 2.9 points Is-Same, 1.9 Pathfinder) of chance"
)
TOL_RECOVER = (
    "shape, not absolute accuracy: the paper recovers 0.73-0.75 of the gap; our λ runs at the long setting "
    "scatter by up to 12.4 points over seeds at the default preset (Pathfinder L = 5, 2 seeds), i.e. 0.35 of the "
    "gap, so 'a clear part' is >= recover_frac = 0.25 (~0.75 - 1.5 x 0.35), fixed before the default grid ran"
)
TOL_GROW = (
    "agree_tol (3 points) per step in λ, the short-range seed-spread floor: the paper's λ = 0.1 is 0.5 below "
    "λ = 0 at d = 160 (within its reading error), so 'does not decrease' allows that noise"
)


def _paper(figure: str | None, name: str, fallback: str):
    if not figure:
        return fallback
    try:
        return paper_value(figure, name)
    except KeyError:
        return fallback


def locality_claims(
    rows: list[dict],
    setting_name: str = "distance",
    agree_tol: float = 3.0,
    min_drop: float = 8.0,
    chance_tol: float = 10.0,
    recover_frac: float = 0.25,
    figure: str | None = None,
) -> list[Claim]:
    """The paper's statements on summary rows. ``figure`` (e.g. ``htf/locality_pathfinder``) selects the paper
    values cited. Only a grid with fewer than three λ leaves a claim untested (``passed=None``, which the preset
    must declare); rows that cannot support a claim otherwise make it fail."""
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
    fields = {
        "short_range_lambdas_agree": {
            "paper": _paper(figure, "short_range_spread", "all λ equal within noise at the shortest setting"),
            "tolerance_reason": TOL_AGREE,
        },
        "baseline_drops_to_chance": {
            "paper": _paper(figure, "baseline_drop", "the baseline drops to chance (50%)"),
            "tolerance_reason": TOL_DROP,
        },
        "regularizer_recovers_gap": {
            "paper": _paper(figure, "recovered_fraction", "the regulariser recovers most of the gap"),
            "tolerance_reason": TOL_RECOVER,
        },
        "gain_grows_with_lambda": {
            "paper": _paper(figure, "accuracy", "the gain grows with λ"),
            "tolerance_reason": TOL_GROW,
        },
    }

    def claim(cid, measured, passed):
        return Claim(cid, stmts[cid][0], measured, stmts[cid][1], passed, **fields[cid])

    def failed(cid, why):
        return claim(cid, f"cannot be evaluated on these rows: {why}", False)

    means = _means(rows)
    settings = sorted({r["setting"] for r in rows})
    lams = sorted({r["lam"] for r in rows})
    short, long = (settings[0], settings[-1]) if settings else (None, None)
    claims = []

    cid = "short_range_lambdas_agree"
    have = [lam for lam in lams if (short, lam) in means]
    if len(have) < 2:
        claims.append(failed(cid, "fewer than two λ at the shortest setting"))
    else:
        vals = {lam: means[(short, lam)][0] for lam in have}
        tol = max(agree_tol, 2 * max(means[(short, lam)][1] for lam in have))
        spread = max(vals.values()) - min(vals.values())
        measured = {"setting": short, "mean_by_lambda": vals, "spread": spread, "tolerance": tol}
        claims.append(claim(cid, measured, spread <= tol))

    base_ok = len(settings) >= 2 and (short, 0.0) in means and (long, 0.0) in means
    gap = means[(short, 0.0)][0] - means[(long, 0.0)][0] if base_ok else float("nan")
    cid = "baseline_drops_to_chance"
    if not base_ok:
        claims.append(failed(cid, "needs λ = 0 at two settings"))
    else:
        b_long = means[(long, 0.0)][0]
        measured = {"shortest": means[(short, 0.0)][0], "longest": b_long, "drop": gap}
        claims.append(claim(cid, measured, gap >= min_drop and b_long <= CHANCE + chance_tol))

    cid = "regularizer_recovers_gap"
    top = max((lam for lam in lams if lam > 0 and (long, lam) in means), default=None)
    if not base_ok or top is None:
        claims.append(failed(cid, "needs λ = 0 at two settings and a λ > 0 at the longest"))
    elif gap < min_drop:
        claims.append(failed(cid, f"the baseline drops only {gap:.1f} < {min_drop:g} points: no gap to recover"))
    else:
        frac = (means[(long, top)][0] - means[(long, 0.0)][0]) / gap
        measured = {
            "lambda": top,
            "acc_lambda_longest": means[(long, top)][0],
            "acc_baseline_longest": means[(long, 0.0)][0],
            "gap": gap,
            "recovered_fraction": frac,
        }
        claims.append(claim(cid, measured, frac >= recover_frac))

    cid = "gain_grows_with_lambda"
    at_long = [lam for lam in lams if (long, lam) in means]
    if len(lams) < 3:  # the grid's shape (config), not the run: the preset declares it untestable
        claims.append(untestable(cid, *stmts[cid], f"the grid has {len(lams)} λ, needs >= 3", **fields[cid]))
    elif len(at_long) < 3 or not base_ok or gap < min_drop:
        claims.append(failed(cid, "needs >= 3 λ at the longest setting and a baseline gap"))
    else:
        vals = [means[(long, lam)][0] for lam in at_long]
        ok = all(b >= a - agree_tol for a, b in itertools.pairwise(vals))
        claims.append(claim(cid, dict(zip(at_long, vals, strict=True)), ok))
    return claims

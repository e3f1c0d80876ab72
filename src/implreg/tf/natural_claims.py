"""tf paper, Fig. 3: per-(dataset, variant) fit results -> the plotted table -> the paper's claims."""

from __future__ import annotations

import numpy as np

from implreg.claims import Claim, untestable

SERIES = ("train", "test")
METRIC = {"train": "train_mean_error", "test": "test_mean_error"}  # the paper's: last-epoch train, clamped test


def table(results: dict[tuple[str, str], dict]) -> list[dict]:
    """Rows (dataset, variant, R, split, mean, std over classes) plus the variance baseline per dataset."""
    rows = []
    for (dataset, variant), res in sorted(results.items()):
        ranks = sorted({m["R"] for m in res["models"]})
        for R in ranks:
            for split in SERIES:
                vals = np.array([m[METRIC[split]] for m in res["models"] if m["R"] == R], dtype=float)
                rows.append(
                    {
                        "dataset": dataset,
                        "variant": variant,
                        "R": R,
                        "split": split,
                        "mean": float(vals.mean()),
                        "std": float(vals.std()),
                        "n_classes": len(vals),
                    }
                )
        base = np.asarray(res["variance_baseline"], dtype=float)
        rows.append(
            {
                "dataset": dataset,
                "variant": variant,
                "R": 0,
                "split": "variance",
                "mean": float(base.mean()),
                "std": float(base.std()),
                "n_classes": len(base),
            }
        )
    return rows


def _get(rows, dataset, variant, split, R=None):
    sel = [r for r in rows if r["dataset"] == dataset and r["variant"] == variant and r["split"] == split]
    if R is None:
        return {r["R"]: r["mean"] for r in sel}
    return next(r["mean"] for r in sel if r["R"] == R)


def natural_claims(rows: list[dict], epochs: int, min_epochs: int) -> list[Claim]:
    """The three statements of Fig. 3, per dataset. Too few epochs to fit -> untestable, not passed."""
    claims = []
    datasets = sorted({r["dataset"] for r in rows})
    for ds in datasets:
        variants = {r["variant"] for r in rows if r["dataset"] == ds}
        var = _get(rows, ds, "original", "variance", 0) if "original" in variants else np.nan
        statements = {
            "original_fit_below_variance": (
                f"{ds}: original data is fit far below the variance already at R = 1 (train and test)",
                "train and test mean error at R = 1 <= 0.5 x variance",
            ),
            "original_test_stays_low": (
                f"{ds}: original data's test error stays low for every R",
                "test mean error <= 0.75 x variance for every R",
            ),
            "random_start_near_variance": (
                f"{ds}: random labels / random images start near the variance at R = 1",
                "train mean error at R = 1 within 25% of the variance",
            ),
            "random_test_rises_above_variance": (
                f"{ds}: random-data test error rises above the variance as R grows",
                "test mean error at the largest R > variance and > its value at R = 1",
            ),
        }
        if epochs < min_epochs:
            for cid, (st, exp) in statements.items():
                claims.append(untestable(f"{ds}_{cid}", st, exp, f"{epochs} epochs < {min_epochs} needed to fit"))
            continue
        if "original" in variants:
            r1 = {s: _get(rows, ds, "original", s, 1) for s in SERIES}
            st, exp = statements["original_fit_below_variance"]
            claims.append(
                Claim(
                    f"{ds}_original_fit_below_variance",
                    st,
                    {**r1, "variance": var},
                    exp,
                    all(v <= 0.5 * var for v in r1.values()),
                )
            )
            test = _get(rows, ds, "original", "test")
            st, exp = statements["original_test_stays_low"]
            claims.append(
                Claim(
                    f"{ds}_original_test_stays_low",
                    st,
                    {**test, "variance": var},
                    exp,
                    all(v <= 0.75 * var for v in test.values()),
                )
            )
        rand = sorted(v for v in variants if v != "original")
        for cid in ("random_start_near_variance", "random_test_rises_above_variance"):
            st, exp = statements[cid]
            if not rand:
                claims.append(untestable(f"{ds}_{cid}", st, exp, "no random variant in this preset"))
                continue
            measured, ok = {}, True
            for v in rand:
                vvar = _get(rows, ds, v, "variance", 0)
                if cid == "random_start_near_variance":
                    train1 = _get(rows, ds, v, "train", 1)
                    measured[v] = {"train_R1": train1, "variance": vvar}
                    ok &= abs(train1 - vvar) <= 0.25 * vvar
                else:
                    test = _get(rows, ds, v, "test")
                    top = max(test)
                    measured[v] = {"test_R1": test[min(test)], f"test_R{top}": test[top], "variance": vvar}
                    ok &= test[top] > vvar and test[top] > test[min(test)]
            claims.append(Claim(f"{ds}_{cid}", st, measured, exp, ok))
    return claims

"""tf paper, Fig. 4: per-(dataset, variant) fit results -> the plotted table -> the paper's claims."""

from __future__ import annotations

import math

import numpy as np

from implreg import paper_values
from implreg.claims import Claim

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


# Tolerances, from the paper's Fig. 4 (paper_values.yaml) and its reading error (0.003), never from our runs:
# - "far below the variance at R = 1": the paper's R = 1 errors are <= 0.41 x the variance (Fashion-MNIST test
#   0.037; 0.040 = 0.44 x with its reading error), so half the variance;
FIT_BELOW = 0.5
# - "test error stays low": the paper's largest original test error is 0.056 (Fashion-MNIST, R = 15; 0.059 =
#   0.66 x the variance with its reading error), so three quarters of the variance;
TEST_LOW = 0.75
# - "random data start near the variance": the paper's R = 1 random train errors are 0.089 against 0.09 (1%);
#   10% allows the per-class variance (p(1-p) ranges 0.086-0.099 over the ten classes' prevalences);
START_NEAR = 0.10
# - "random labels / images are fit worse than the original": the paper's smallest ratio of random to original
#   test error at equal R is 2.5 (Fashion-MNIST R = 1: 0.092/0.037); with the original test's class spread
#   (+-0.02) it is 0.092/0.057 = 1.6, so 1.5;
RANDOM_WORSE = 1.5
# - the paper's own R = 1 numbers: reading error + twice the class-sampling error of a mean over n of the ten
#   classes (paper's std over classes x sqrt((10 - n)/(9 n)), 0 at n = 10); the std is the paper's error-bar
#   half-width at R = 1 (MNIST original 0.01, Fashion-MNIST original 0.02, random variants 0.003).
READING = 0.003
PAPER_STD_R1 = {"mnist": 0.01, "fashion-mnist": 0.02, "random": 0.003}
PAPER_FIGURE = "tf/tensor_rank_natural_data"


def _paper_at(ds: str, series: str, R: int) -> float:
    block = paper_values.value(PAPER_FIGURE, ds)
    return float(block[series][block["R"].index(R)])


def _subset_tol(std: float, n: int) -> float:
    return READING + 2 * std * math.sqrt(max(10 - n, 0) / (9 * max(n, 1)))


def natural_claims(rows: list[dict]) -> list[Claim]:
    """The statements of Fig. 4 per dataset, each against the paper's numbers (the preset declares, in config,
    the claims it cannot test, e.g. the smoke preset's 3 epochs on fake data)."""
    claims = []
    var_paper = paper_values.value(PAPER_FIGURE, "variance")
    for ds in sorted({r["dataset"] for r in rows}):
        variants = {r["variant"] for r in rows if r["dataset"] == ds}
        rand = sorted(v for v in variants if v != "original")
        var = _get(rows, ds, "original", "variance", 0) if "original" in variants else math.nan
        n_cls = max((r["n_classes"] for r in rows if r["dataset"] == ds and r["split"] != "variance"), default=0)
        test = _get(rows, ds, "original", "test") if "original" in variants else {}
        r1 = {s: _get(rows, ds, "original", s, 1) for s in SERIES} if 1 in test else {}

        def add(cid, statement, paper, measured, expected, reason, passed, ds=ds):
            claims.append(
                Claim(
                    f"{ds.replace('-', '_')}_{cid}",
                    f"{ds}: {statement}",
                    measured,
                    expected,
                    bool(passed),
                    paper=paper,
                    tolerance_reason=reason,
                )
            )

        sel = [r for r in rows if r["dataset"] == ds and r["split"] in SERIES]
        bad = sorted({f"{r['variant']} R={r['R']} {r['split']}" for r in sel if not math.isfinite(r["mean"])})
        claims.append(
            Claim(
                f"{ds.replace('-', '_')}_all_fits_finite",
                f"{ds}: every fit trained to the end: finite train and test errors for every variant, R and class",
                {"non_finite": bad, "n_points": len(sel)},
                "no NaN or inf; the original and at least one random variant present",
                bool(sel) and not bad and "original" in variants and bool(rand),
                paper="every point of Fig. 4 is a finished fit (original, rand image, rand label; R = 1..15)",
                tolerance_reason="exact",
                required=True,
            )
        )
        add(
            "original_fit_below_variance",
            "original data is fit far below the variance already at R = 1 (train and test)",
            {
                "train_R1": _paper_at(ds, "original_train", 1),
                "test_R1": _paper_at(ds, "original_test", 1),
                "variance": var_paper,
            },
            {**r1, "variance": var},
            f"train and test mean error at R = 1 <= {FIT_BELOW:g} x variance",
            "the paper's R = 1 values are <= 0.44 x the variance with their reading error (Fashion-MNIST test)",
            bool(r1) and all(v <= FIT_BELOW * var for v in r1.values()),
        )
        add(
            "original_test_stays_low",
            "original data's test error stays low for every R",
            dict(
                zip(
                    paper_values.value(PAPER_FIGURE, ds)["R"],
                    paper_values.value(PAPER_FIGURE, ds)["original_test"],
                    strict=True,
                )
            ),
            {**test, "variance": var},
            f"test mean error <= {TEST_LOW:g} x variance for every R",
            "the paper's largest original test error is 0.66 x the variance with its reading error (Fashion-MNIST R = 15)",
            bool(test) and all(v <= TEST_LOW * var for v in test.values()),
        )
        if r1:
            got = {f"{s}_R1": r1[s] for s in SERIES}
            ref = {f"{s}_R1": _paper_at(ds, f"original_{s}", 1) for s in SERIES}
            tol = _subset_tol(PAPER_STD_R1[ds], n_cls)
            add(
                "original_r1_matches_paper",
                "original data's train and test mean error at R = 1 match the paper's",
                ref,
                {**got, "n_classes": n_cls},
                f"|ours - paper| <= {tol:.3g} for both",
                f"reading error {READING} + 2 x the sampling error of a mean over {n_cls} of the 10 one-vs-all classes "
                f"(paper's class std at R = 1 ~{PAPER_STD_R1[ds]})",
                all(abs(got[k] - ref[k]) <= tol for k in ref),
            )
        start, rises, worse, match = {}, {}, {}, {}
        ok_start = ok_rise = ok_worse = ok_match = bool(rand)
        for v in rand:
            vvar = _get(rows, ds, v, "variance", 0)
            vtrain, vtest = _get(rows, ds, v, "train"), _get(rows, ds, v, "test")
            lo, hi = min(vtest), max(vtest)
            start[v] = {"train_R1": vtrain.get(1), "variance": vvar}
            ok_start &= 1 in vtrain and abs(vtrain[1] - vvar) <= START_NEAR * vvar
            rises[v] = {f"test_R{lo}": vtest[lo], f"test_R{hi}": vtest[hi], "variance": vvar}
            ok_rise &= hi > lo and vtest[hi] > vvar and vtest[hi] > vtest[lo]
            ratios = {R: vtest[R] / test[R] if test.get(R) else math.inf for R in vtest}
            worse[v] = ratios
            ok_worse &= bool(test) and all(x >= RANDOM_WORSE for x in ratios.values())
            if 1 in vtrain:
                ref = _paper_at(ds, f"{v}_train", 1)
                match[v] = {"ours": vtrain[1], "paper": ref}
                ok_match &= abs(vtrain[1] - ref) <= _subset_tol(PAPER_STD_R1["random"], n_cls)
            else:
                ok_match = False
        add(
            "random_start_near_variance",
            "random labels / random images start near the variance at R = 1",
            {
                "rand_images": _paper_at(ds, "rand_images_train", 1),
                "rand_labels": _paper_at(ds, "rand_labels_train", 1),
                "variance": var_paper,
            },
            start,
            f"train mean error at R = 1 within {START_NEAR:.0%} of the variance, for every random variant",
            "the paper's 0.089 vs 0.09 (1%); 10% allows the per-class variance (0.086-0.099 over the classes)",
            ok_start,
        )
        add(
            "random_r1_matches_paper",
            "random variants' train mean error at R = 1 matches the paper's",
            {
                "rand_images": _paper_at(ds, "rand_images_train", 1),
                "rand_labels": _paper_at(ds, "rand_labels_train", 1),
            },
            match,
            f"|ours - paper| <= {_subset_tol(PAPER_STD_R1['random'], n_cls):.3g} for every random variant",
            f"reading error {READING} + 2 x the class-sampling error over {n_cls} of 10 classes (class std ~0.003)",
            ok_match,
        )
        add(
            "random_test_rises_above_variance",
            "random-data test error rises above the variance as R grows",
            {
                "rand_images_test_R15": _paper_at(ds, "rand_images_test", 15),
                "rand_labels_test_R15": _paper_at(ds, "rand_labels_test", 15),
                "variance": var_paper,
            },
            rises,
            "test mean error at the largest R > variance and > its value at the smallest R, for every random variant",
            "exact ordering (the paper's R = 15 values exceed the variance by 0.05-0.06, far beyond reading error)",
            ok_rise,
        )
        add(
            "random_fits_worse_than_original",
            "random labels / images generalise worse than the original data: test error far above the original's",
            {"smallest ratio (Fashion-MNIST R = 1)": 0.092 / 0.037},
            worse,
            f"random test / original test >= {RANDOM_WORSE:g} at every R, for every random variant",
            "the paper's smallest ratio 2.5, 1.6 with the original test's class spread (+-0.02)",
            ok_worse,
        )
    return claims

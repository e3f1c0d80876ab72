"""tf Fig. 3 claims pass on paper-like numbers and fail on wrong ones."""

import copy

from implreg.tf.natural_claims import natural_claims, table


def _by_id(claims):
    return {c.id: c for c in claims}


# ---------------------------------------------------------------- norms Fig. 2 (tensor completion)


def _natural_results(orig_train, orig_test, rand_test_top, classes=(0, 1, 2)):
    def models(train, test_fn):
        return [
            {"R": R, "class": c, "train_mean_error": train(R), "test_mean_error": test_fn(R)}
            for R in (1, 5, 15)
            for c in classes
        ]

    var = [0.09] * len(classes)
    res = {
        ("mnist", "original"): {"models": models(lambda R: orig_train, lambda R: orig_test), "variance_baseline": var},
        ("mnist", "rand_labels"): {
            "models": models(lambda R: 0.09 - 0.002 * R, lambda R: 0.09 + (rand_test_top - 0.09) * (R - 1) / 14),
            "variance_baseline": var,
        },
    }
    return res


def test_natural_claims_pass_on_paper_like_numbers():
    rows = table(_natural_results(0.02, 0.025, 0.14))
    claims = _by_id(natural_claims(rows, epochs=1000, min_epochs=200))
    assert all(c.passed for c in claims.values()), claims


def test_natural_claims_fail_on_wrong_numbers():
    claims = _by_id(natural_claims(table(_natural_results(0.08, 0.085, 0.08)), 1000, 200))
    assert claims["mnist_original_fit_below_variance"].passed is False
    assert claims["mnist_original_test_stays_low"].passed is False
    assert claims["mnist_random_test_rises_above_variance"].passed is False
    res = _natural_results(0.02, 0.025, 0.14)
    for m in res[("mnist", "rand_labels")]["models"]:
        m["train_mean_error"] = 0.01  # random labels fit perfectly at R = 1: not what the paper shows
    assert _by_id(natural_claims(table(res), 1000, 200))["mnist_random_start_near_variance"].passed is False


def test_natural_claims_untested_with_too_few_epochs():
    claims = natural_claims(table(_natural_results(0.02, 0.025, 0.14)), epochs=3, min_epochs=200)
    assert all(c.passed is None for c in claims)
    assert copy.deepcopy(claims)[0].measured.startswith("not tested")

"""Calibration of a reduced locality experiment: does the baseline show the drop the figure is about?

Nobody has verified that a reduced configuration (narrow ResNet, few samples and epochs) still loses
accuracy at long range. Before the (expensive) grid runs, the baseline (λ = 0) is trained at the shortest and
longest setting for one seed; the grid proceeds only if accuracy drops by at least `threshold` points.
"""

from __future__ import annotations

from implreg.errors import ConfigError

KNOBS = (
    "model width (e.g. `width: 16` -> 32), the number of training samples (`n_train`) and the number of "
    "epochs (`epochs`) in the htf.locality block of config.yaml"
)


def check_drop(acc_short: float, acc_long: float, threshold: float = 8.0, task: str = "") -> dict:
    """``{"ok", "drop", "threshold", "acc_short", "acc_long", "message"}``; accuracies in percent."""
    drop = float(acc_short) - float(acc_long)
    ok = drop >= threshold
    what = f"{task}: " if task else ""
    if ok:
        msg = f"{what}baseline drops {drop:.1f} >= {threshold:g} points from the shortest to the longest setting."
    else:
        msg = (
            f"{what}the baseline drops only {drop:.1f} points ({acc_short:.1f}% -> {acc_long:.1f}%), less than "
            f"the {threshold:g} needed for the figure to show the locality effect. Turn up the {KNOBS}, "
            "or set `calibration.enforce: false` to run the grid anyway."
        )
    return {
        "ok": ok,
        "drop": drop,
        "threshold": float(threshold),
        "acc_short": float(acc_short),
        "acc_long": float(acc_long),
        "message": msg,
    }


def require_drop(acc_short: float, acc_long: float, threshold: float = 8.0, task: str = "") -> dict:
    """:func:`check_drop`, raising ConfigError (with the knobs to turn up) when the drop is too small."""
    out = check_drop(acc_short, acc_long, threshold, task)
    if not out["ok"]:
        raise ConfigError(out["message"])
    return out

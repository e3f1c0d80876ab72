"""How often each statement holds: per-instance outcomes of a figure's own claims, rates with Wilson intervals.

A figure tests its statements on a few instances; a robustness target re-runs the *same* claims function on many
instances (data seeds never used to tune anything), one instance at a time, and reports for each claim k of n
with its Wilson 95 % score interval, per setting of a sweep (an observation count, a model, an init/lr cell).
Nothing here re-implements a claim: a wing hands :func:`instance_outcomes` a callable that returns the figure's
claims on one instance, exactly as the figure computes them.

Why Wilson: the normal-approximation interval collapses to a point at k = 0 or k = n and leaves [0, 1] for small
n, which is the regime here (n = 4 to 32); the Wilson score interval does neither (Brown, Cai & DasGupta 2001).
It is one line of closed form, so no statistics package is pulled in for it.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import Any

from implreg.claims import Claim
from implreg.errors import ConfigError

Z95 = 1.959963984540054  # the standard normal's 97.5 % quantile


def wilson_interval(k: int, n: int, z: float = Z95) -> tuple[float, float]:
    """Wilson score interval of a binomial proportion k/n (95 % by default); (0, 1) when n = 0."""
    if n < 0 or not 0 <= k <= n:
        raise ValueError(f"wilson_interval needs 0 <= k <= n, got k={k}, n={n}")
    if n == 0:
        return 0.0, 1.0
    p = k / n
    denom = 1 + z * z / n
    centre = (p + z * z / (2 * n)) / denom
    half = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / denom
    # clamp float noise: the exact interval contains 0 when k = 0 and 1 when k = n
    return (0.0 if k == 0 else max(0.0, centre - half)), (1.0 if k == n else min(1.0, centre + half))


def instance_outcomes(
    claims_of: Callable[[Any, Any], Sequence[Claim]], instances: Mapping[Any, Any]
) -> dict[Any, dict[str, dict[str, Any]]]:
    """``{instance: {claim id: {"passed": bool, "statement": str}}}``: the figure's claims on each instance alone.

    ``claims_of(instance_key, instance_data)`` returns the claims the figure would report were this its only
    instance. A claim whose outcome is not a bool (untested) is refused: robustness counts outcomes, and a claims
    function never returns None on its own (only a preset's declaration does, which is not applied here).
    """
    out: dict[Any, dict[str, dict[str, Any]]] = {}
    for key, data in instances.items():
        claims = claims_of(key, data)
        row = {}
        for c in claims:
            if not isinstance(c.passed, bool):
                raise ConfigError(f"robustness: claim {c.id!r} on instance {key!r} has no outcome ({c.passed!r}).")
            row[c.id] = {"passed": c.passed, "statement": c.statement}
        out[key] = row
    return out


def rate_rows(
    setting: str,
    outcomes: Mapping[Any, Mapping[str, Mapping[str, Any]]],
    findings: Iterable[str] = (),
    untestable: Iterable[str] = (),
) -> list[dict[str, Any]]:
    """One row per claim of one setting: statement, n instances, k that hold, rate and its Wilson 95 % interval.

    Every instance must report the same claims (a claim missing on one instance would shrink its n silently).
    ``findings``: the claim ids the figure declares findings, marked so a reader finds their rates.
    ``untestable``: claim ids the preset declares untestable (a miniature that cannot show them): left out.
    """
    if not outcomes:
        raise ConfigError(f"robustness: setting {setting!r} has no instances.")
    ids = [list(v) for v in outcomes.values()]
    if any(set(i) != set(ids[0]) for i in ids):
        raise ConfigError(f"robustness: setting {setting!r}: the instances report different claims.")
    findings, untestable = set(findings), set(untestable)
    rows = []
    for cid in (i for i in ids[0] if i not in untestable):
        results = [bool(v[cid]["passed"]) for v in outcomes.values()]
        n, k = len(results), sum(results)
        lo, hi = wilson_interval(k, n)
        rows.append(
            {
                "setting": setting,
                "claim": cid,
                "statement": next(iter(outcomes.values()))[cid]["statement"],
                "n": n,
                "k": k,
                "rate": k / n,
                "wilson_lo": lo,
                "wilson_hi": hi,
                "finding": cid in findings,
            }
        )
    return rows


def outcome_rows(setting: str, outcomes: Mapping[Any, Mapping[str, Mapping[str, Any]]]) -> list[dict[str, Any]]:
    """The per-run CSV: one row per (instance, claim) with its outcome, for anyone recomputing the rates."""
    return [
        {"setting": setting, "instance": key, "claim": cid, "passed": bool(v["passed"])}
        for key, row in outcomes.items()
        for cid, v in row.items()
    ]


def summary(figure: str, preset: str, rows: Sequence[Mapping[str, Any]], settings: Mapping[str, Any]) -> dict:
    """The robustness summary written beside the figure (``<paper>/robustness.json``)."""
    return {
        "figure": figure,
        "preset": preset,
        "interval": "Wilson score, 95 %",
        "settings": dict(settings),
        "rows": [dict(r) for r in rows],
    }


def rate_text(row: Mapping[str, Any]) -> str:
    """'k/n (rate %, 95 % CI lo-hi %)' for tables and the report."""
    return (
        f"{row['k']}/{row['n']} ({100 * row['rate']:.0f} %, 95 % CI "
        f"{100 * row['wilson_lo']:.0f}-{100 * row['wilson_hi']:.0f} %)"
    )


def plot_rates(rows: Sequence[Mapping[str, Any]], title: str):
    """Forest plot: one line per (setting, claim), the rate as a dot and its Wilson 95 % interval as a bar; the
    figure's declared findings in red. Returns the matplotlib figure."""
    import matplotlib.pyplot as plt

    from implreg.plotting.style import apply_style

    apply_style()
    # grouped by claim (in the figure's order), its settings side by side: a sweep's effect reads down a group
    order = list(dict.fromkeys(r["claim"] for r in rows))
    rows = sorted(rows, key=lambda r: order.index(r["claim"]))
    height = 0.9 + 0.24 * len(rows)
    fig, ax = plt.subplots(figsize=(7.5, height))
    ys = list(range(len(rows)))[::-1]
    for y, r in zip(ys, rows, strict=True):
        colour = "tab:red" if r["finding"] else "tab:blue"
        ax.plot([r["wilson_lo"], r["wilson_hi"]], [y, y], color=colour, lw=2, solid_capstyle="butt")
        ax.plot(r["rate"], y, "o", color=colour, ms=5)
        ax.text(1.02, y, f"{r['k']}/{r['n']}", va="center", fontsize=7, transform=ax.get_yaxis_transform())
    ax.set_yticks(ys, [f"{r['claim']} @ {r['setting']}" for r in rows], fontsize=7)
    ax.set_xlim(0, 1)
    ax.set_xlabel("fraction of instances where the statement holds (dot) and Wilson 95 % interval (bar)")
    ax.axvline(0.5, color="0.6", lw=0.8, ls=":")
    ax.set_title(title + "  (red: a declared finding)", fontsize=9)
    ax.grid(axis="x", alpha=0.3)
    fig.tight_layout()
    return fig


def terminal_rates(summary_paths: Iterable[str]) -> str:
    """The rates of the robustness summaries that exist, one line each, for the end of a `robustness` build."""
    import json
    from pathlib import Path

    lines = []
    for path in summary_paths:
        if not Path(path).exists():
            continue
        doc = json.loads(Path(path).read_text())
        lines.append(f"ROBUSTNESS {doc['figure']} ({doc['preset']}): Wilson 95 % intervals")
        for r in doc["rows"]:
            mark = "  (finding)" if r.get("finding") else ""
            lines.append(f"  {r['claim']} @ {r['setting']}: {rate_text(r)}{mark}")
    return "\n".join(lines)

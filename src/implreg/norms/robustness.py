"""Norms paper, how often its statements hold (issue 30): Fig. 2's claims over target instances, and GD's |w11| at
a loss level against its gradient flow over a grid of init scales and learning rates.

Tensor completion: the figure's own claims (`tc_claims`, the figure's parameters) on one target instance at a time;
nothing is re-implemented. DMF: the paper's protocol, "reduce lr and init until nothing changes", made visible. Each
run of an (init, lr) grid is compared with the gradient flow from its own init (`flow.solve_flow`) at one loss
level, with the criterion the figures' flow claims use (`flow.departure`: GD's w11 within departure_rtol x |W|_F of
the flow's at the same loss; measured by `norms.flow_at_level`), and the flow's solve is checked as the figures
check it (`flow_resolved_claim`).
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence

import numpy as np

from implreg.claims import Claim
from implreg.errors import ConfigError
from implreg.norms.flow_claims import flow_resolved_claim
from implreg.norms.tc_claims import tc_claims

# ----------------------------------------------------------------------------------------------------------- tc


def tc_instance_claims(
    runs_by_init: dict[float, list[dict]], linear: list[dict], params: Mapping, untestable: Iterable[str] = ()
) -> list[Claim]:
    """Fig. 2's claims on one target instance alone: `tc_claims` with the figure's own parameters (``params``: the
    plot rule's target_rank, rank_from, error_from, error_factor, init_ordering, figure, grid). Claims the preset
    declared untestable are left out (a one-init preset's init ordering: the claims function writes it None)."""
    claims = tc_claims(
        runs_by_init,
        linear,
        int(params["target_rank"]),
        int(params["rank_from"]),
        int(params["error_from"]),
        float(params["error_factor"]),
        bool(params["init_ordering"]),
        figure=params["figure"],
        grid=params["grid"],
    )
    skip = set(untestable)
    return [c for c in claims if c.id not in skip]


def check_distinct_targets(targets: Mapping[int, np.ndarray]) -> None:
    """Refuse two target seeds that gave the same tensor: a repeated instance would count twice in k/n (e.g. a
    target rule that ignores its seed and returns one fixed instance)."""
    seen: dict[bytes, int] = {}
    for seed, tensor in targets.items():
        key = np.ascontiguousarray(tensor).tobytes()
        if key in seen:
            raise ConfigError(
                f"robustness: target seeds {seen[key]} and {seed} gave the same tensor; the instances must be "
                "distinct seeded draws (norms.robustness.tc.target_seeds; check make_tc_robustness_target's params)."
            )
        seen[key] = seed


# ---------------------------------------------------------------------------------------------------------- dmf


def grid_runs(inits: Sequence[float], lrs: Sequence[float], seeds: Sequence[int], balanced: Sequence[bool]) -> list:
    """The grid's runs, {lr, init, balanced, seed}, balanced outer, then init, lr, seed (the job's run order).

    A run's init depends on (init, balanced, seed), not on lr: every lr of one (init, balanced, seed) starts from
    the same layers, so a column of the grid is one init trained at smaller and smaller steps."""
    for name, values in (("inits", inits), ("lrs", lrs), ("seeds", seeds), ("balanced", balanced)):
        if not values or len(set(values)) != len(values):
            raise ConfigError(f"norms.robustness.dmf.{name}: needs at least one value and no repeats, got {values}.")
    return [
        {"lr": float(lr), "init": float(i), "balanced": bool(b), "seed": int(s)}
        for b in balanced
        for i in inits
        for lr in lrs
        for s in seeds
    ]


def cell_key(row: Mapping) -> tuple[bool, float, float]:
    """(balanced, init, lr): one cell of the grid; its instances are the seeds."""
    return bool(row["balanced"]), float(row["init"]), float(row["lr"])


def cell_setting(key: tuple[bool, float, float]) -> str:
    balanced, init, lr = key
    return f"{'balanced' if balanced else 'non-balanced'} init {init:g} lr {lr:g}"


def dmf_run_claims(row: Mapping, level: float, departure_rtol: float) -> list[Claim]:
    """The statements tested on one run of the grid (one instance of its cell).

    - gd_reaches_level: the run met its stopping rule (loss below `level`), so its |w11| at the level exists;
    - flow_resolved: the figures' own claim on this run's flow (|w11| moves <= 1e-6 under 10x tighter tolerances);
    - gd_w11_agrees_with_flow: the figures' departure criterion at the level.
    """
    gap = row["gap"]
    gap_ok = gap is not None and math.isfinite(float(gap)) and float(gap) <= departure_rtol
    return [
        Claim(
            "gd_reaches_level",
            f"GD's loss falls below {level:g} (stopping rule met, not the step cap); the flow reaches it too",
            {"converged": row["converged"], "gd_w11": row["gd_w11"], "flow_reached": row["flow_reached"]},
            "converged, GD's |w11| at the level finite, flow reached the level",
            bool(row["converged"]) and math.isfinite(float(row["gd_w11"])) and bool(row["flow_reached"]),
            paper="the paper's runs stop at loss 1e-4",
            tolerance_reason="exact: the stopping rule is met or it is not",
        ),
        flow_resolved_claim([{"label": row["label"], "resolved_change": row["resolved_change"]}]),
        Claim(
            "gd_w11_agrees_with_flow",
            f"GD's |w11| at loss {level:g} is within {departure_rtol:g} x |W|_F of the gradient flow's from the same "
            "init at the same loss (the figures' departure criterion, norms.dmf.flow.departure_rtol)",
            {"gd_w11": row["gd_w11"], "flow_w11": row["flow_w11"], "gap": gap},
            f"gap <= {departure_rtol:g}",
            gap_ok,
            paper="small enough lr and init make GD follow gradient flow (norms paper: 'reduce lr and init until "
            "nothing changes')",
            tolerance_reason=f"{departure_rtol:g} is the smallest gap visible between two curves on the figure "
            "(config norms.dmf.flow.departure_rtol), as in the figures' gd_follows_flow",
        ),
    ]


def dmf_cells(table: Sequence[Mapping]) -> dict[tuple, dict[int, Mapping]]:
    """{cell: {seed: row}} in the table's order; a seed twice in one cell is refused (it would count twice)."""
    cells: dict[tuple, dict[int, Mapping]] = {}
    for row in table:
        cell = cells.setdefault(cell_key(row), {})
        if int(row["seed"]) in cell:
            raise ConfigError(f"robustness: {cell_setting(cell_key(row))} has seed {row['seed']} twice.")
        cell[int(row["seed"])] = row
    return cells


def w11_summary(table: Sequence[Mapping]) -> dict:
    """What the figure draws: per (balanced, init), per lr the median / min / max over the seeds of GD's |w11| at
    the level ("gd") and of its ratio to the flow's from the same init ("ratio"), and the flow's values (one per
    seed; median / min / max) as the lr -> 0 limit ("flow")."""
    out: dict = {}
    for row in table:
        b, i, lr = cell_key(row)
        entry = out.setdefault((b, i), {"gd": {}, "ratio": {}, "flow": {}})
        gd, flow = float(row["gd_w11"]), float(row["flow_w11"])
        entry["gd"].setdefault(lr, []).append(gd)
        entry["ratio"].setdefault(lr, []).append(gd / flow if flow else math.nan)
        entry["flow"][int(row["seed"])] = flow

    def stats(v):
        v = np.asarray(v, float)
        v = v[np.isfinite(v)]
        return (float(np.median(v)), float(v.min()), float(v.max())) if v.size else (math.nan,) * 3

    return {
        key: {
            "gd": {lr: stats(v) for lr, v in sorted(e["gd"].items())},
            "ratio": {lr: stats(v) for lr, v in sorted(e["ratio"].items())},
            "flow": stats(list(e["flow"].values())),
        }
        for key, e in out.items()
    }

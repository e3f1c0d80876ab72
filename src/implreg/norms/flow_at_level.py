"""GD's |w11| at one loss level against the gradient flow from the same init, for every run of a DMF grid (the
norms robustness target, issue 30). The measurement only: the statements made of it are in `norms.robustness`, so
that editing them (or the figure) never re-solves the flows.
"""

from __future__ import annotations

import math

import numpy as np

from implreg.norms.dmf import CONVERGED, DMFHistory, DMFProblem, init_layers
from implreg.norms.dmf_claims import w11_at_loss
from implreg.norms.flow import FlowSettings, _tighter, departure, flow_at_losses, solve_flow, w11_at_losses


def _init_key(run) -> tuple:
    return (float(run.init), bool(run.balanced), int(run.seed))


def gd_vs_flow_at_level(
    history: DMFHistory,
    rows: list[dict],
    problem: DMFProblem,
    depth: int,
    init_scale_mode: str,
    level: float,
    settings: FlowSettings,
) -> list[dict]:
    """Per run: GD's |w11| where its loss first falls below `level` (`dmf_claims.w11_at_loss` on the measured rows,
    as the figures read it), the gradient flow's from the same init at the same loss, their normwise gap
    (`flow.departure`'s: |difference| / the flow's |W|_F), and the flow solve's evidence.

    One flow per distinct init (runs that differ only in lr share it), solved to `level` (a terminal event) with
    t_max = 100x the longest GD time (steps x lr) among its runs, and again with 10x tighter tolerances
    (`resolved_change`: the relative change of the final |w11|, what the figures' `flow_resolved` tests, computed
    as `flow_vs_gd` does).
    ``rows``: `dmf_measures.measure` rows of the same history (run = index into history.runs).
    """
    d = problem.target.shape[0]
    groups: dict[tuple, list[int]] = {}
    for r, run in enumerate(history.runs):
        groups.setdefault(_init_key(run), []).append(r)
    out: list[dict | None] = [None] * len(history.runs)
    for members in groups.values():
        run0 = history.runs[members[0]]
        layers0 = init_layers(run0, depth, d, problem.det_sign, init_scale_mode)
        t_max = 100.0 * max(max(int(history.final_step[r]), 1) * history.runs[r].lr for r in members)
        flow = solve_flow(problem, layers0, level, t_max, settings)
        tight = solve_flow(problem, layers0, level, t_max, _tighter(settings))
        # as flow_vs_gd: both solves compared at the lowest loss both reached (their ends, at the level's event)
        common = np.array([max(flow.loss[-1], tight.loss[-1])])
        w_end, w_tight = float(w11_at_losses(flow, common)[0]), float(w11_at_losses(tight, common)[0])
        change = abs(w_tight - w_end) / w_end if w_end else math.nan
        # the flow's end is at the level (to the event's precision); one that stopped short is compared nowhere
        at = np.array([flow.loss[-1] if flow.reached else float(level)])
        flow_w11, flow_fro = (float(v[0]) for v in flow_at_losses(flow, at))
        for r in members:
            run = history.runs[r]
            gd = w11_at_loss(rows, r, level)
            # the figures' criterion on |w11| (the statement's quantity): GD's value carries the flow's sign
            signed = math.copysign(gd, flow_w11) if math.isfinite(gd) and math.isfinite(flow_w11) else math.nan
            dep = departure(at, np.array([signed]), flow, rtol=math.inf)  # its gap; the claims apply the tolerance
            out[r] = {
                "run": r,
                "label": run.label,
                "lr": run.lr,
                "init": run.init,
                "balanced": run.balanced,
                "seed": run.seed,
                "converged": bool(history.status[r] == CONVERGED),
                "gd_steps": int(history.final_step[r]),
                "gd_w11": gd,
                "flow_w11": abs(flow_w11),
                "flow_fro": flow_fro,
                "gap": dep["max_gap"],
                "flow_reached": bool(flow.reached and tight.reached),
                "resolved_change": change,
            }
    return out  # type: ignore[return-value]

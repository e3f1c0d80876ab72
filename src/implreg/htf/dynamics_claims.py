"""htf paper, dynamics figure and its appendix: claims on the logged histories (incremental learning).

A quantity (singular value, component norm, local component norm) "has risen" once it exceeds
``rel_threshold`` times the largest final value of its panel: a scale-free threshold, so the same knob serves
matrices of norm 64 and smoke-sized problems. The curves are ranks (re-sorted top-k at each log point), so
"the j-th has risen" means j+1 quantities were above the threshold at once (see
:func:`implreg.tf.dynamics.incremental_summary`).

How many should rise: the ground truth's rank, counting only the directions the stopping rule can see. A
direction of singular value σ left out costs about σ²/#entries of MSE; where that is below the stopping
tolerance the run may stop without learning it, so it is not counted (:func:`resolvable_rank`). For MF this is
the rank of W*; for HT the rank of the root split {1..N/2} (the fewest root components that represent T*);
for CP (no computable CP spectrum) the configured CP rank.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np

from implreg.claims import Claim, untestable
from implreg.htf.dynamics import entries, mat_key, node_key
from implreg.incremental import incremental_summary

PANEL_NAMES = {
    "mf": ("matrix factorization", "singular values"),
    "cp": ("tensor factorization", "component norms"),
    "ht": ("hierarchical tensor factorization", "local component norms at the root"),
}


def _threshold(final_values: np.ndarray, rel_threshold: float) -> float:
    final_values = np.asarray(final_values, dtype=np.float64)
    ref = float(np.nanmax(final_values)) if final_values.size and np.isfinite(final_values).any() else 0.0
    return rel_threshold * ref


def resolvable_rank(singular_values: np.ndarray, n_entries: int, stop_loss: float) -> int:
    """Directions whose MSE share σ²/#entries exceeds the stopping tolerance (a run must learn them to stop)."""
    sv = np.asarray(singular_values, dtype=np.float64)
    return int((sv**2 / float(n_entries) > float(stop_loss)).sum())


def expected_ranks(
    histories: Mapping[str, Mapping[str, Any]], specs: Mapping[str, Mapping[str, Any]], stop_loss: float
) -> dict[str, tuple[int, str]]:
    """Per model: (how many of the panel's quantities should rise, a note saying how that was counted)."""
    out = {}
    for model, hist in histories.items():
        spec = specs[model]
        nominal = int(spec["target_ranks"][-1] if model == "ht" else spec["target_rank"])
        if "target_top" not in hist:
            out[model] = (nominal, f"target rank {nominal}")
            continue
        r = resolvable_rank(hist["target_top"], entries(model, spec), stop_loss)
        what = "its root split {1..N/2}" if model == "ht" else "it"
        out[model] = (
            r,
            f"target rank {nominal}, of which {r} resolvable (singular values of {what}: "
            f"{', '.join(f'{v:.3g}' for v in np.asarray(hist['target_top'])[: nominal + 1])}; counted where "
            f"sigma^2/#entries > {stop_loss:g})",
        )
    return out


def rise_claims(  # noqa: PLR0913 -- an options dataclass is owed (issue 15)
    claim_prefix: str,
    what: str,
    steps: np.ndarray,
    values: np.ndarray,
    final_values: np.ndarray,
    rank: int,
    rel_threshold: float,
    min_gap: int,
    testable: str | None = None,
    rank_note: str = "",
    count: bool = True,
) -> list[Claim]:
    """Claims on one panel's top-k history ``values [n_logs, k]``: exactly ``rank`` quantities rise and stay up
    (only with ``count``), and the ``rank`` leading ones rise one after another (emergence times increasing,
    consecutive ones more than ``min_gap`` iterations apart).

    ``testable``: None if the preset can test the claims, else the reason it cannot (claims become null).
    """
    rank = int(rank)
    k = int(np.asarray(values).shape[-1]) if np.asarray(values).ndim == 2 else 0
    note = f" ({rank_note})" if rank_note else ""
    s_rank = (
        f"{what}: exactly r = {rank}{note} rise above {rel_threshold:g} x the largest final value; the rest stay below"
    )
    s_turn = f"{what}: the {rank} leading ones rise one after another (distinct emergence times)"
    e_rank = f"n_ever_above == n_above_final == {rank}"
    e_turn = f"{rank} increasing emergence times, consecutive ones more than {min_gap} iterations apart"
    ids = (f"{claim_prefix}_rank_components_rise", f"{claim_prefix}_components_rise_in_turn")
    if testable is not None:
        claims = [untestable(ids[0], s_rank, e_rank, testable)] if count else []
        return [*claims, untestable(ids[1], s_turn, e_turn, testable)]
    thr = _threshold(final_values, rel_threshold)
    inc = incremental_summary(steps, values, threshold=thr, min_gap=int(min_gap))
    times = [int(t) for t in inc["emergence_times"][:rank]]
    claims = []
    if count and k <= rank:
        claims.append(untestable(ids[0], s_rank, e_rank, f"top_k = {k} <= r = {rank}"))
    elif count:
        measured = {"threshold": thr, "n_ever_above": inc["n_emerged"], "n_above_final": inc["n_above_final"]}
        claims.append(Claim(ids[0], s_rank, measured, e_rank, inc["n_emerged"] == inc["n_above_final"] == rank))
    gaps = np.diff(times).tolist() if len(times) > 1 else []
    passed = len(times) == rank and min(times, default=-1) >= 0 and all(g > int(min_gap) for g in gaps)
    claims.append(Claim(ids[1], s_turn, {"emergence_times": times, "gaps": gaps}, e_turn, passed))
    return claims


def final_error_claim(
    claim_prefix: str, what: str, history: Mapping[str, Any], max_error: float, testable: str | None = None
) -> Claim:
    statement = f"{what}: the reconstruction error over all entries ends small (the stopping rule fired)"
    expected = f"converged and final reconstruction error < {max_error:g}"
    if testable is not None:
        return untestable(f"{claim_prefix}_final_error_small", statement, expected, testable)
    err = float(history["final_recon_error"])
    measured = {"final_recon_error": err, "steps": int(history["steps"]), "converged": bool(history["converged"])}
    return Claim(
        f"{claim_prefix}_final_error_small",
        statement,
        measured,
        expected,
        bool(history["converged"]) and err < max_error,
    )


def dynamics_claims(
    histories: Mapping[str, Mapping[str, Any]],
    ranks: Mapping[str, int | tuple[int, str]],
    rel_threshold: float,
    min_gap: int,
    final_error_max: float,
    testable: str | None = None,
) -> list[Claim]:
    """Main figure: per model (mf, cp, ht) the rank, in-turn and final-error claims on its panel.

    ranks: per model the number of quantities that should rise, or (number, note) from :func:`expected_ranks`.
    """
    claims: list[Claim] = []
    for model, hist in histories.items():
        rank, note = ranks[model] if isinstance(ranks[model], tuple) else (ranks[model], "")
        what = f"{PANEL_NAMES[model][0]}, {PANEL_NAMES[model][1]}"
        claims += rise_claims(
            model,
            what,
            hist["log_step"],
            hist["log_top"],
            hist["final_top"],
            rank,
            rel_threshold,
            min_gap,
            testable,
            rank_note=note,
        )
        claims.append(final_error_claim(model, PANEL_NAMES[model][0], hist, final_error_max, testable))
    return claims


def appendix_claims(
    hist: Mapping[str, Any],
    node: Sequence[int],
    node_rank: int,
    matricizations: Sequence[Sequence[int]],
    n_entries: int,
    stop_loss: float,
    rel_threshold: float,
    min_gap: int,
    testable: str | None = None,
) -> list[Claim]:
    """Appendix: local components at an inner node rise one at a time, and the learned tensor's matricizations
    have the ground truth's ranks, both counted by :func:`resolvable_rank` (so capped at the k logged):
    low where the mode tree makes the target low-rank ({1,2}: 5), high where it does not ({1,3}: 25 > k).

    node_rank: the target's HT rank at the node; the leading min(node_rank, resolvable rank of the target's
    matricization of the node's modes, if logged) local components are checked for emerging in turn. Their
    total count is not claimed: local components below the root are not invariant to the model's gauge
    (rescaling a node's rows against its parent's columns).
    """
    key = node_key(node)
    what = "HT local component norms at node {" + ",".join(str(m) for m in node) + "}"
    split = f"target_{mat_key(node)}"
    if split in hist:  # the node's own matricization: its rank is the fewest local components the node needs
        resolvable = resolvable_rank(hist[split], n_entries, stop_loss)
        what += f" (target HT rank {node_rank} there, {resolvable} resolvable)"
        node_rank = min(int(node_rank), resolvable)
    claims = rise_claims(
        f"ht_{key}",
        what,
        hist["log_step"],
        hist[f"log_{key}"],
        hist[f"final_{key}"],
        node_rank,
        rel_threshold,
        min_gap,
        testable,
        count=False,
    )
    names = ", ".join("{" + ",".join(str(m) for m in rows) + "}" for rows in matricizations)
    statement = (
        f"the learned tensor's matricizations {names} end with the ground truth's ranks (singular values with "
        f"sigma^2/#entries > {stop_loss:g}, among the top k)"
    )
    expected = "learned rank == target rank for every matricization"
    if testable is not None:
        claims.append(untestable("ht_matricization_ranks_match_target", statement, expected, testable))
        return claims
    measured, ok = {}, True
    for rows in matricizations:
        mk = mat_key(rows)
        n_learned = resolvable_rank(hist[f"final_{mk}"], n_entries, stop_loss)
        n_target = resolvable_rank(hist[f"target_{mk}"], n_entries, stop_loss)
        measured[mk] = {"learned": n_learned, "target": n_target}
        ok = ok and n_learned == n_target
    claims.append(Claim("ht_matricization_ranks_match_target", statement, measured, expected, ok))
    return claims


def untestable_reason(max_steps: int, min_steps: int) -> str | None:
    """None if a preset's step cap lets the claims be tested, else the reason it cannot."""
    if int(max_steps) < int(min_steps):
        return f"max_steps = {max_steps} < {min_steps}: too few iterations for the paper's dynamics"
    return None

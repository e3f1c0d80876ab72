"""htf paper, dynamics figure and its appendix: claims on the logged histories (incremental learning).

Every threshold is scale-free, so the same claims hold at every preset (a 16 x 16 smoke matrix and the paper's
64 x 64 one, a 2000-iteration run and a 30 000-iteration one):

* a quantity (singular value, component norm) has *emerged* once its MSE share value²/#entries exceeds the
  stop loss (:func:`emergence_level`), the level that decides how many should rise (r, below), and has *risen*
  once it reaches ``half_rise`` times its own final value (the appendix's node-level local components use
  ``rel_threshold`` times the panel's largest final value instead: they are not the object r is computed from);
* "one after another": each emergence comes after the previous quantity has risen (the rises do not overlap),
  and the emergence times are in order; the separations are also reported relative to the run's length;
* "each rise lowers the error": across each rise (from the log point before an emergence to the next
  emergence, or the end) the reconstruction error falls by at least ``min_rel_drop`` of its value;
* "exactly r rise": at no log point are more than r quantities above the emergence level, and r are at the
  end.

The HT claims read the learned tensor's root-split matricization {1..N/2} (its singular values, logged at every
log point), the object r is computed from; the root's local component norms, which the paper's panel draws, are
not its singular values (the learned components need not be orthogonal: measured factor 0.74-3.9 at the default
preset), so their count is reported beside the claim, not tested (docs/claims.md, pre-registered 2026-12-02).

How many should rise (r) is decided from the ground truth alone, before any training
(:func:`implreg.htf.dynamics.target_spectrum`): the directions whose MSE share σ²/#entries exceeds the stopping
tolerance (:func:`resolvable_rank`). A direction below that can be left out by a run that still meets the
stopping rule, so it is not counted. For MF σ are W*'s singular values; for HT those of the root split {1..N/2}
(the fewest root components that represent T*); for CP the target's component norms (not orthogonal, so
σ²/#entries is only the component's own share). At data seed 0 the HT target's fifth value is 0.015 (share
5e-8 < 5e-5), so 4 root components are expected there, where the paper's instance showed 5.

A claim these functions cannot evaluate on a run's outcome (a NaN, a missing component) is returned False;
only a preset's declaration (config ``untestable_claims``) makes a claim untested.
"""

from __future__ import annotations

import itertools
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from implreg.claims import Claim
from implreg.errors import ConfigError
from implreg.htf.dynamics import (
    entries,
    make_problem,
    mat_key,
    node_key,
    root_split,
    target_matricization_svs,
    target_spectrum,
)
from implreg.incremental import emergence_times
from implreg.paper_values import value as paper_value

FIG = "htf/incremental_learning_mf_cp_ht"
APPENDIX = "htf/ht_local_components_matricizations"

PANEL_NAMES = {
    "mf": ("matrix factorization", "singular values"),
    "cp": ("tensor factorization", "component norms"),
    "ht": ("hierarchical tensor factorization", "local component norms at the root"),
}

TOL_COUNT = (
    "exact count (no tolerance). 'Emerged' = MSE share value^2/#entries above the stop loss, the same level that "
    "decides r from the target (a direction a run must learn to meet its stopping rule): the count and r are "
    "measured on one object at one level"
)
TOL_TURN = (
    "no numeric tolerance: an ordering of events defined by levels (emerged: MSE share above the stop loss, or "
    "for node-level local components rel_threshold x the panel's largest final value; risen: half_rise x its own "
    "final value); the "
    "paper's curves satisfy it (each reaches its plateau before the next leaves 0: panel (a) 0/1100/2300/2900/4400, "
    "reading error ~2% of the axis); the run-length separations are reported beside it"
)
TOL_DROP = (
    "min_rel_drop (5%) of the error's value, fixed before any run: larger than the drift of the error along a "
    "plateau (the error is flat between rises: the paper's staircase), smaller than the drop one learned component "
    "gives (a component of share s lowers the squared error by s)"
)
TOL_CONV = "exact: the training loop records whether the stopping rule fired before the step cap"


def emergence_level(n_entries: int, stop_loss: float) -> float:
    """The value above which a direction's MSE share σ²/#entries exceeds the stop loss (the level behind r)."""
    return float(np.sqrt(float(stop_loss) * int(n_entries)))


def resolvable_rank(singular_values: np.ndarray, n_entries: int, stop_loss: float) -> int:
    """Directions whose MSE share σ²/#entries exceeds the stopping tolerance (a run must learn them to stop)."""
    return int((np.asarray(singular_values, dtype=np.float64) > emergence_level(n_entries, stop_loss)).sum())


def node_children(node: Sequence[int]) -> list[list[int]]:
    """The two children of an inner node of the mode tree (its halves): {1,2} -> {1}, {2}."""
    modes = [int(m) for m in node]
    half = len(modes) // 2
    return [modes[:half], modes[half:]]


def expected_ranks(
    specs: Mapping[str, Mapping[str, Any]],
    data_seed: int,
    fro_norm: float,
    stop_loss: float,
    histories: Mapping[str, Mapping[str, Any]] | None = None,
) -> dict[str, dict[str, Any]]:
    """Per model, decided from the config alone (the target is regenerated, nothing trained):
    ``{"rank", "nominal", "spectrum", "unresolved_share", "note"}``.

    ``unresolved_share``: Σσ² of the directions not counted, over ‖T*‖² (what a run may leave unlearned).
    With ``histories``, the target spectrum a run logged (``target_top``) must equal the regenerated one,
    else ValueError: the history was trained on another target than the config describes.
    """
    out = {}
    for model, spec in specs.items():
        spectrum = target_spectrum(model, spec, data_seed, fro_norm)
        nominal = int(spec["target_ranks"][-1] if model == "ht" else spec["target_rank"])
        logged = (histories or {}).get(model, {}).get("target_top")
        if logged is not None:
            logged = np.asarray(logged, dtype=np.float64)
            if not np.allclose(logged, spectrum[: logged.size], rtol=1e-6, atol=1e-9 * float(fro_norm)):
                raise ValueError(
                    f"{model}: the history's target spectrum {logged[: nominal + 1]} differs from the config's "
                    f"{spectrum[: nominal + 1]}: retrain (the history belongs to another data_seed / spec)"
                )
        n = entries(model, spec)
        r = resolvable_rank(spectrum, n, stop_loss)
        share = float(np.sum(np.sort(spectrum)[::-1][r:] ** 2) / float(fro_norm) ** 2)
        what = {"mf": "W*", "cp": "the target's components (norms)", "ht": "the root split {1..N/2}"}[model]
        note = (
            f"target rank {nominal}, of which {r} resolvable, decided from the target before the run (values of "
            f"{what}: {', '.join(f'{v:.3g}' for v in spectrum[: nominal + 1])}; counted where "
            f"sigma^2/#entries > {stop_loss:g})"
        )
        out[model] = {"rank": r, "nominal": nominal, "spectrum": spectrum, "unresolved_share": share, "note": note}
    return out


def _floats(x) -> np.ndarray:
    """As a float64 array (the values may hold NaN: each claim says what a non-finite value means)."""
    return np.asarray(x, dtype=np.float64)


def _threshold(final_values: np.ndarray, rel_threshold: float) -> float:
    v = _floats(final_values)
    v = v[np.isfinite(v)]
    return rel_threshold * float(v.max()) if v.size else float("nan")


def _half_rise_times(steps: np.ndarray, values: np.ndarray, finals: np.ndarray, half_rise: float) -> list[int]:
    """For each rank j: first logged step at which the j-th curve reaches half_rise x its own final value."""
    out = []
    for j in range(values.shape[1]):
        target = half_rise * finals[j]
        hit = np.flatnonzero(values[:, j] >= target) if np.isfinite(target) and target > 0 else np.zeros(0, int)
        out.append(int(steps[hit[0]]) if hit.size else -1)
    return out


@dataclass(frozen=True)
class RiseRule:
    """When a quantity has emerged, has risen, and has lowered the error enough (the config's claim_* keys)."""

    level: float  # emerged: above this value (emergence_level, or a fraction of the panel's largest final value)
    half_rise: float  # risen: at this fraction of its own final value
    min_rel_drop: float  # each rise lowers the reconstruction error by at least this fraction of its value
    level_says: str = "the MSE-share level"  # how the statement names the level


def rise_claims(  # noqa: PLR0913 -- the count claim's note and report ride along with the panel
    claim_prefix: str,
    what: str,
    hist: Mapping[str, Any],
    values_key: str,
    rank: int,
    rule: RiseRule,
    paper: Mapping[str, Any],
    rank_note: str = "",
    count: bool = True,
    error_drops: bool = True,
    report: Mapping[str, Any] | None = None,
) -> list[Claim]:
    """Claims on one panel's top-k history ``hist['log_' + values_key] [n_logs, k]``.

    ``{prefix}_rank_components_rise`` (with ``count``): exactly ``rank`` quantities emerge, at no time more, and
    all of them are up at the end. ``{prefix}_components_rise_in_turn``: the ``rank`` leading ones emerge in
    order, each after the previous has risen. ``{prefix}_rise_drops_error`` (with ``error_drops``): across each
    rise the reconstruction error falls by at least ``min_rel_drop`` of its value.
    ``paper``: {"count", "times", "x_end"}: the paper's values cited by the claims. ``report``: measured values
    shown beside the count, not tested.
    """
    half_rise, min_rel_drop = rule.half_rise, rule.min_rel_drop
    rank = int(rank)
    steps = np.asarray(hist["log_step"], dtype=np.int64)
    values = _floats(hist[f"log_{values_key}"])
    finals = _floats(hist[f"final_{values_key}"])
    k = values.shape[1] if values.ndim == 2 else 0
    if count and k <= rank:
        raise ConfigError(
            f"{what}: top_k = {k} quantities logged, but r = {rank} should rise: with k <= r the claims cannot "
            "see an extra component. Raise htf.dynamics.top_k above the target rank."
        )
    note = f" ({rank_note})" if rank_note else ""
    thr = float(rule.level)
    times = emergence_times(steps, values, thr).tolist() if values.size and np.isfinite(thr) else [-1] * k
    run_len = int(hist["steps"])
    claims = []
    if count:
        above = values > thr if np.isfinite(thr) else np.zeros_like(values, dtype=bool)
        n_up = above.sum(axis=1)
        n_ever = int(n_up.max()) if n_up.size else 0  # most quantities up at once, at any time
        n_final = int((finals > thr).sum()) if np.isfinite(thr) else 0
        falls = np.flatnonzero(np.diff(n_up) < 0)  # a quantity that had risen fell back (a transient one)
        fell_at = int(steps[falls[0] + 1]) if falls.size else None
        claims.append(
            Claim(
                f"{claim_prefix}_rank_components_rise",
                f"{what}: exactly r = {rank}{note} rise above {rule.level_says} ({thr:.3g}) and stay up; at no "
                "time are more up, and none rises only to fall back",
                {
                    "threshold": thr,
                    "max_above_at_any_time": n_ever,
                    "above_at_end": n_final,
                    "first_fall_back_at": fell_at,
                    **(report or {}),
                },
                f"max_above_at_any_time == above_at_end == {rank}; the number above never decreases",
                n_ever == n_final == rank and fell_at is None,
                paper=paper["count"],
                tolerance_reason=TOL_COUNT,
            )
        )
    lead = times[:rank]
    halves = _half_rise_times(steps, values, finals, half_rise)[:rank] if k else []
    ordered = len(lead) == rank and all(t >= 0 for t in lead) and all(b > a for a, b in itertools.pairwise(lead))
    no_overlap = ordered and all(
        0 <= halves[j] < lead[j + 1] for j in range(rank - 1)
    )  # the next emerges only after this one has risen
    gaps = np.diff(lead).tolist() if rank > 1 else []
    measured = {
        "emergence_times": lead,
        "half_rise_times": halves,
        "gaps": gaps,
        "smallest_gap_over_run_length": (min(gaps) / run_len) if gaps and run_len > 0 else None,
        "run_length": run_len,
    }
    paper_times = paper.get("times")
    paper_turn = {"emergence_times": paper_times}
    if paper_times and paper.get("x_end"):
        paper_turn["smallest_gap_over_run_length"] = round(float(np.min(np.diff(paper_times))) / paper["x_end"], 3)
    claims.append(
        Claim(
            f"{claim_prefix}_components_rise_in_turn",
            f"{what}: the {rank} leading ones rise one after another: each emerges only after the previous one "
            f"has reached {half_rise:g} x its final value",
            measured,
            f"{rank} increasing emergence times; half_rise_times[j] < emergence_times[j+1] for every j",
            no_overlap,
            paper=paper_turn if paper_times else paper["statement"],
            tolerance_reason=TOL_TURN,
        )
    )
    if error_drops:
        claims.append(_error_drop_claim(claim_prefix, what, hist, lead, rank, min_rel_drop, paper["drop"]))
    return claims


def _error_drop_claim(prefix, what, hist, lead, rank, min_rel_drop, paper) -> Claim:
    steps = np.asarray(hist["log_step"], dtype=np.int64)
    err = _floats(hist["log_recon_error"])
    drops, ok = [], len(lead) == rank and all(t >= 0 for t in lead) and err.size > 0
    for j in range(rank if ok else 0):
        i0 = max(int(np.searchsorted(steps, lead[j])) - 1, 0)  # the log point before the emergence
        i1 = int(np.searchsorted(steps, lead[j + 1])) if j + 1 < rank else err.size - 1
        before, after = float(err[i0]), float(err[i1])
        rel = (before - after) / before if np.isfinite(before) and before > 0 and np.isfinite(after) else float("nan")
        drops.append(rel)
        ok = ok and np.isfinite(rel) and rel >= min_rel_drop
    return Claim(
        f"{prefix}_rise_drops_error",
        f"{what}: each of the {rank} rises lowers the reconstruction error (from the log point before it to the "
        "next emergence, or the end)",
        {"relative_drops": drops},
        f"{rank} relative drops, each >= {min_rel_drop:g}",
        bool(ok),
        paper=paper,
        tolerance_reason=TOL_DROP,
    )


def convergence_claim(prefix: str, what: str, hist: Mapping[str, Any], max_steps: int) -> Claim:
    return Claim(
        f"{prefix}_converged",
        f"{what}: the stopping rule fired (train MSE below the tolerance long enough) before the step cap",
        {"converged": bool(hist["converged"]), "steps": int(hist["steps"]), "max_steps": int(max_steps)},
        "converged == true",
        bool(hist["converged"]) and np.isfinite(float(hist["final_mse"])),
        paper=paper_value(FIG, "stop_rule"),
        tolerance_reason=TOL_CONV,
        required=True,
    )


def error_bound(stop_loss: float, n_entries: int, fro_norm: float, unresolved_share: float) -> float:
    """Normalised reconstruction error a run that met the stopping rule can have: every entry fitted as well as
    the rule requires of the observed ones (MSE stop_loss), plus the directions it may leave unlearned."""
    return float(np.sqrt(float(stop_loss) * n_entries / float(fro_norm) ** 2 + float(unresolved_share)))


def final_error_claim(prefix: str, what: str, hist: Mapping[str, Any], bound: float) -> Claim:
    err = float(hist["final_recon_error"])
    return Claim(
        f"{prefix}_final_error_small",
        f"{what}: the learned tensor (matrix) is the ground truth: reconstruction error over all entries, "
        "unobserved ones included, at the stopping rule's level",
        {"final_recon_error": err, "bound": bound},
        f"final reconstruction error <= {bound:.3g} = sqrt(stop_loss x #entries / ||T*||^2 + unresolved share)",
        np.isfinite(err) and err <= bound,
        paper="the figure's components settle at the target's values (completion succeeds); no error curve drawn",
        tolerance_reason=(
            "numeric precision of the stopping rule: a converged run has train MSE < stop_loss; the bound allows "
            "the same MSE on every entry plus the target's unresolvable directions (decided from the target)"
        ),
    )


def _paper_panel(model: str) -> dict[str, Any]:
    return {
        "count": paper_value(FIG, "n_rise"),
        "times": paper_value(FIG, f"{model}_emergence"),
        "x_end": paper_value(FIG, f"{model}_x_end"),
        "statement": paper_value(FIG, "statement"),
        "drop": paper_value(FIG, "error_drops"),
    }


def dynamics_claims(
    histories: Mapping[str, Mapping[str, Any]],
    expected: Mapping[str, Mapping[str, Any]],
    specs: Mapping[str, Mapping[str, Any]],
    fro_norm: float,
    stop_loss: float,
    max_steps: int,
    half_rise: float,
    min_rel_drop: float,
) -> list[Claim]:
    """Main figure: per model (mf, cp, ht) convergence, count, in-turn, error-drop and final-error claims.

    expected: :func:`expected_ranks` (decided from the config's targets, before the run). A quantity has emerged
    above :func:`emergence_level`; HT is read on its root-split matricization (module docstring)."""
    claims: list[Claim] = []
    for model, hist in histories.items():
        exp = expected[model]
        name = PANEL_NAMES[model][0]
        n = entries(model, specs[model])
        level = emergence_level(n, stop_loss)
        what, key, report = f"{name}, {PANEL_NAMES[model][1]}", "top", None
        if model == "ht":
            split = root_split(specs[model]["order"])
            key = mat_key(split)
            if f"log_{key}" not in hist:
                raise ConfigError(
                    f"hierarchical tensor factorization: the history logs no matricization {split} (the root "
                    "split, which the HT claims read): add it to htf.dynamics.matricizations and retrain."
                )
            what = (
                f"{name}, singular values of the learned tensor's matricization {{{','.join(map(str, split))}}} "
                "(the root split; the panel draws the root's local component norms)"
            )
            root = _floats(hist["final_top"])
            report = {"root_local_components_above_level_at_end (reported, not tested)": int((root > level).sum())}
        claims.append(convergence_claim(model, name, hist, max_steps))
        claims += rise_claims(
            model,
            what,
            hist,
            key,
            exp["rank"],
            RiseRule(level, half_rise, min_rel_drop, f"sqrt(stop_loss x #entries), MSE share > {stop_loss:g}"),
            _paper_panel(model),
            rank_note=exp["note"],
            report=report,
        )
        bound = error_bound(stop_loss, n, fro_norm, exp["unresolved_share"])
        claims.append(final_error_claim(model, name, hist, bound))
    return claims


def appendix_claims(
    hist: Mapping[str, Any],
    node: Sequence[int],
    node_rank: int,
    matricizations: Sequence[Sequence[int]],
    n_entries: int,
    stop_loss: float,
    max_steps: int,
    rel_threshold: float,
    half_rise: float,
    target_mats: Mapping[str, np.ndarray],
) -> list[Claim]:
    """Appendix: the run converged; the leading local components at an inner node rise one after another; the
    learned tensor's matricizations end with the ground truth's (resolvable) ranks among the k logged: low where
    the mode tree makes the target low-rank ({1,2}: 5), high where it does not ({1,3}: 25, so all k).

    node_rank: the target's HT rank at the node; the leading min(node_rank, smallest resolvable rank of the
    target's matricizations by the node's children) are checked: the node's local components r build
    T = sum_r u_r (x) (...)_r over a child's modes, so their number bounds those ranks (docs/claims.md).
    ``target_mats``: {mat key: the target's singular values}, computed from the config's target (not the run). The count at the node is not claimed: local components
    below the root are not invariant to the model's gauge (rescaling a node's rows against its parent's columns).
    """
    claims = [convergence_claim("ht", "hierarchical tensor factorization", hist, max_steps)]
    key = node_key(node)
    what = "HT local component norms at node {" + ",".join(str(m) for m in node) + "}"
    kids = [mat_key(c) for c in node_children(node)]
    if all(k in target_mats for k in kids):
        resolvable = min(resolvable_rank(target_mats[k], n_entries, stop_loss) for k in kids)
        what += (
            f" (target HT rank {node_rank} there; {resolvable} resolvable in the target's matricizations by the "
            "node's children, whose ranks its local components bound)"
        )
        node_rank = min(int(node_rank), resolvable)
    paper = {"count": None, "times": None, "statement": paper_value(APPENDIX, "node_statement"), "drop": None}
    claims += rise_claims(
        f"ht_{key}",
        what,
        hist,
        key,
        node_rank,
        RiseRule(
            _threshold(_floats(hist[f"final_{key}"]), rel_threshold),
            half_rise,
            0.0,
            f"{rel_threshold:g} x the largest final value",
        ),
        paper,
        count=False,
        error_drops=False,
    )
    claims.append(children_in_turn_claim(hist, node, n_entries, stop_loss, half_rise, target_mats))
    names = ", ".join("{" + ",".join(str(m) for m in rows) + "}" for rows in matricizations)
    measured, ok = {}, True
    for rows in matricizations:
        mk = mat_key(rows)
        learned = _floats(hist[f"final_{mk}"])
        k = learned.size
        n_learned = resolvable_rank(learned, n_entries, stop_loss) if np.isfinite(learned).all() else -1
        n_target = min(resolvable_rank(target_mats[mk], n_entries, stop_loss), k)
        measured[mk] = {"learned": n_learned, "target": n_target, "logged_k": k}
        ok = ok and n_learned == n_target
    claims.append(
        Claim(
            "ht_matricization_ranks_match_target",
            f"the learned tensor's matricizations {names} end with the ground truth's ranks (singular values with "
            f"sigma^2/#entries > {stop_loss:g}, counted among the top k logged)",
            measured,
            "learned == target for every matricization",
            ok,
            paper=paper_value(APPENDIX, "target_ranks"),
            tolerance_reason=(
                "exact count; a singular value counts where its MSE share exceeds the stopping tolerance, the "
                "resolution of a converged run (numeric precision of the stopping rule)"
            ),
        )
    )
    return claims


def children_in_turn_claim(
    hist: Mapping[str, Any],
    node: Sequence[int],
    n_entries: int,
    stop_loss: float,
    half_rise: float,
    target_mats: Mapping[str, np.ndarray],
) -> Claim:
    """The follow-up of the node claim (pre-registered 2026-12-07, docs/claims.md): the singular values of the
    learned tensor's matricizations by the node's children, whose ranks the node's local components bound and
    which do not depend on the factors' gauge, rise one after another. The main figure's rule: emerged above
    :func:`emergence_level`, risen at ``half_rise`` x its own final value; for each child the leading r values,
    r = the resolvable rank of the target's matricization. Holds when it holds for both children."""
    level = emergence_level(n_entries, stop_loss)
    rule = RiseRule(level, half_rise, 0.0, f"sqrt(stop_loss x #entries), MSE share > {stop_loss:g}")
    measured, ok = {}, True
    for child in node_children(node):
        mk = mat_key(child)
        if f"log_{mk}" not in hist or mk not in target_mats:
            raise ConfigError(
                f"the HT history logs no matricization {child} (a child of the appendix node {list(node)}, read "
                "by the appendix's follow-up claim): retrain (the training job logs the node's children's)"
            )
        rank = resolvable_rank(target_mats[mk], n_entries, stop_loss)
        name = "{" + ",".join(map(str, child)) + "}"
        (turn,) = rise_claims(mk, name, hist, mk, rank, rule, {"statement": "-"}, count=False, error_drops=False)
        measured[mk] = {"resolvable_rank": rank, **turn.measured, "in_turn": bool(turn.passed)}
        ok = ok and bool(turn.passed)
    kids = " and ".join("{" + ",".join(map(str, c)) + "}" for c in node_children(node))
    return Claim(
        f"ht_{node_key(node)}_children_svs_rise_in_turn",
        f"singular values of the learned tensor's matricizations {kids} (the node's children, whose ranks node "
        "{" + ",".join(map(str, node)) + "}'s local components bound; gauge-invariant) rise one after another: "
        f"for each, the r leading values (r resolvable in the target's) emerge in order, each only after the "
        f"previous reached {half_rise:g} x its final value; pre-registered 2026-12-07 as the follow-up of the "
        "finding ht_node_1_2_components_rise_in_turn (docs/claims.md)",
        measured,
        "in turn for both children",
        ok,
        paper=paper_value(APPENDIX, "node_statement"),
        tolerance_reason=TOL_TURN,
    )


def target_matricizations(
    spec: Mapping[str, Any], data_seed: int, fro_norm: float, matricizations: Sequence[Sequence[int]], top_k: int
) -> dict[str, np.ndarray]:
    """{mat key: top singular values} of the HT ground truth's matricizations, regenerated from the config."""
    target = make_problem("ht", spec, 1, int(data_seed), float(fro_norm))["target"]
    return {mat_key(rows): target_matricization_svs(target, rows, int(top_k)) for rows in matricizations}


def instance_dynamics_claims(
    histories: Mapping[str, Mapping[str, Any]],
    specs: Mapping[str, Mapping[str, Any]],
    data_seed: int,
    fro_norm: float,
    stop_loss: float,
    max_steps: int,
    half_rise: float,
    min_rel_drop: float,
) -> list[Claim]:
    """The main figure's claims on one instance (data seed): how many should rise, decided from the instance's
    regenerated targets (:func:`expected_ranks`, which also refuses a history trained on another target), then
    :func:`dynamics_claims`. ``histories``: {model: history} for any of the models; a model's claims read its
    own run only, so the figure passes all three and the robustness target one at a time."""
    own = {m: specs[m] for m in histories}
    expected = expected_ranks(own, int(data_seed), float(fro_norm), float(stop_loss), histories)
    return dynamics_claims(
        histories,
        expected,
        own,
        float(fro_norm),
        float(stop_loss),
        int(max_steps),
        float(half_rise),
        float(min_rel_drop),
    )


def instance_appendix_claims(  # noqa: PLR0913 -- the appendix figure's settings, one name per config key
    hist: Mapping[str, Any],
    spec: Mapping[str, Any],
    data_seed: int,
    fro_norm: float,
    node: Sequence[int],
    node_rank: int,
    matricizations: Sequence[Sequence[int]],
    n_entries: int,
    stop_loss: float,
    max_steps: int,
    rel_threshold: float,
    half_rise: float,
    source: str = "the HT history",
) -> list[Claim]:
    """The appendix figure's claims on one instance (data seed): the target's matricizations (the node's
    children's and ``matricizations``) regenerated from the config, the history refused (ValueError naming
    ``source``) if it logged another target's, then :func:`appendix_claims`."""
    mats = [*node_children(node), *matricizations]  # the children's: they cap the node's checked rank
    target_mats = target_matricizations(spec, int(data_seed), float(fro_norm), mats, 10**6)
    for rows in matricizations:  # the history must belong to the config's target
        mk = mat_key(rows)
        if f"target_{mk}" in hist and not np.allclose(
            hist[f"target_{mk}"], target_mats[mk][: len(hist[f"target_{mk}"])]
        ):
            raise ValueError(f"{source}: its target differs from the config's ({mk}, data seed {data_seed}); retrain")
    return appendix_claims(
        hist,
        node,
        int(node_rank),
        matricizations,
        int(n_entries),
        float(stop_loss),
        int(max_steps),
        float(rel_threshold),
        float(half_rise),
        target_mats,
    )

"""Cross-key checks of the htf paper's config sections (htf.dynamics, htf.robustness, htf.locality) that a JSON
schema cannot express.

Called by `implreg.config` for every preset; each message starts with the offending key.
"""

from __future__ import annotations

import numpy as np

from implreg.cp_shapes import target_rank_problem


def problems(config: dict) -> list[str]:
    htf = config.get("htf") or {}
    return _htf_problems(htf.get("dynamics")) + _htf_robustness_problems(htf) + _locality_problems(htf.get("locality"))


def _locality_problems(loc: dict | None) -> list[str]:
    """htf.locality: the images fit on the canvas, the IGC sub-batch fits in a batch."""
    if not loc:
        return []
    problems = []
    same = loc.get("is_same", {})
    width = same.get("canvas_width", 224)
    too_far = [d for d in same.get("distances", []) if 64 + d > width]
    if too_far:
        problems.append(
            f"htf.locality.is_same.distances: {too_far} do not fit two 32-px images on a canvas_width of {width} "
            f"(need canvas_width >= 64 + d); lower them or raise canvas_width"
        )
    batch = loc.get("train", {}).get("batch_size", 64)
    for task in ("is_same", "pathfinder"):
        k = loc.get(task, {}).get("reg_batch_size", 0)
        if k > batch:
            problems.append(
                f"htf.locality.{task}.reg_batch_size = {k} exceeds htf.locality.train.batch_size = {batch}; "
                "use at most the batch size (0 = the whole batch)"
            )
    return problems


def _htf_robustness_problems(htf: dict) -> list[str]:
    """htf.robustness: each model's instances are among data_seeds, none of which is one of the figures' own."""
    rob, dyn = htf.get("robustness"), htf.get("dynamics") or {}
    if not rob:
        return []
    problems = []
    seeds = list(rob["data_seeds"])
    for model, n in rob["instances"].items():
        if n > len(seeds):
            problems.append(
                f"htf.robustness.instances.{model} = {n} exceeds the {len(seeds)} data_seeds: add data seeds to "
                f"htf.robustness.data_seeds or lower instances.{model}"
            )
    shared = sorted(set(seeds) & set(dyn.get("data_seeds") or []))
    if shared:
        problems.append(
            f"htf.robustness.data_seeds: {shared} are also the figures' instances (htf.dynamics.data_seeds): the "
            "robustness instances must be new ones (e.g. 100 and up)"
        )
    return problems


def _htf_problems(dyn: dict | None) -> list[str]:
    """htf.dynamics: observations within each tensor, one HT width/rank per tree level, modes within the order."""
    if not dyn:
        return []
    problems = []
    for model in ("mf", "cp", "ht"):
        spec = dyn[model]
        size = spec["dim"] ** (2 if model == "mf" else spec["order"])
        if spec["num_samples"] > size:
            problems.append(f"htf.dynamics.{model}.num_samples = {spec['num_samples']} exceeds the {size} entries")
    mf, cp = dyn["mf"], dyn["cp"]
    if mf["target_rank"] > mf["dim"]:
        problems.append(
            f"htf.dynamics.mf.target_rank = {mf['target_rank']} exceeds mf.dim = {mf['dim']} (a dim x dim matrix "
            "has rank at most dim)"
        )
    msg = target_rank_problem(
        "htf.dynamics.cp.target_rank", cp["target_rank"], [cp["dim"]] * cp["order"], cp["components"]
    )
    if msg:
        problems.append(msg)
    ht = dyn["ht"]
    levels = int(np.log2(ht["order"]))
    if len(ht["target_ranks"]) == levels:
        for lev, rank in enumerate(ht["target_ranks"]):
            modes = 2**lev  # a level-l node spans 2^l modes; its rank is bounded by both sides' sizes
            most = min(ht["dim"] ** modes, ht["dim"] ** (ht["order"] - modes))
            if lev > 0:
                most = min(most, ht["target_ranks"][lev - 1] ** 2)
            if rank > most:
                problems.append(
                    f"htf.dynamics.ht.target_ranks.{lev} = {rank} exceeds {most}, the largest rank a node of "
                    f"{modes} mode(s) of size {ht['dim']} can have at that level; lower it"
                )
    for key in ("widths", "target_ranks"):
        if len(ht[key]) != levels:
            problems.append(f"htf.dynamics.ht.{key} needs {levels} entries (one per tree level of order {ht['order']})")
    node, n = dyn["appendix_node"], len(dyn["appendix_node"])
    if n & (n - 1) or node != list(range(node[0], node[0] + n)) or (node[0] - 1) % n or n >= ht["order"]:
        problems.append(f"htf.dynamics.appendix_node: {node} is not an inner node below the root, e.g. [1, 2]")
    for key, modes in [
        ("appendix_node", dyn["appendix_node"]),
        *(("matricizations", m) for m in dyn["matricizations"]),
    ]:
        if max(modes) > ht["order"] or len(set(modes)) != len(modes):
            problems.append(f"htf.dynamics.{key}: {modes} must be distinct modes in 1..{ht['order']}")
    root = list(range(1, ht["order"] // 2 + 1))  # the HT claims read the root split's matricization
    if sorted(root) not in [sorted(m) for m in dyn["matricizations"]]:
        problems.append(
            f"htf.dynamics.matricizations: must include the root split {root} (the HT dynamics claims count its "
            f"singular values); add {root}"
        )
    return problems

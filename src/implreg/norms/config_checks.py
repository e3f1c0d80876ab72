"""Cross-key checks of the norms paper's config sections (norms.dmf, norms.tc) that a JSON schema cannot express.

Called by `implreg.config` for every preset; each message starts with the offending key.
"""

from __future__ import annotations

from implreg.cp_shapes import target_rank_problem


def problems(config: dict) -> list[str]:
    norms = config.get("norms") or {}
    return _dmf_problems(norms.get("dmf")) + _tc_problems(norms.get("tc"))


def _dmf_problems(dmf: dict | None) -> list[str]:
    """Fig. 1 / appendix A: one panel per depth."""
    out = []
    for key in ("panels", "perturbed_panels"):
        depths = [p["depth"] for p in (dmf or {}).get(key, [])]
        if len(set(depths)) != len(depths):
            out.append(f"norms.dmf.{key}: depths must be unique, got {depths}")
    return out


def _tc_problems(tc: dict | None) -> list[str]:
    """Fig. 2 / appendix B: experiments named once, per-experiment keys naming experiments, sizes that fit."""
    if not tc:
        return []
    out = []
    names = [e["name"] for e in tc["experiments"]]
    if len(set(names)) != len(names):
        out.append(f"norms.tc.experiments: names must be unique, got {names}")
    unknown_caps = sorted(set(tc.get("step_caps", {})) - set(names))
    if unknown_caps:
        out.append(f"norms.tc.step_caps: {unknown_caps} name no experiment; experiments are {names}")
    by_exp = tc.get("init_stds_by_experiment", {})
    unknown = sorted(set(by_exp) - set(names))
    if unknown:
        out.append(f"norms.tc.init_stds_by_experiment: {unknown} name no experiment; experiments are {names}")
    for name, stds in sorted(by_exp.items()):
        extra = [s for s in stds if s not in tc["init_stds"]]
        if extra:
            out.append(
                f"norms.tc.init_stds_by_experiment.{name}: {extra} not in norms.tc.init_stds {tc['init_stds']} "
                "(list a subset: run seeds derive from the position in init_stds)"
            )
    for i, exp in enumerate(tc["experiments"]):
        size = exp["dim"] ** exp["order"]
        too_many = [n for n in exp["num_observations"] if n > size]
        if too_many:
            out.append(
                f"norms.tc.experiments.{i}.num_observations: {too_many} exceed the {size} entries of a "
                f"{exp['dim']}^{exp['order']} tensor"
            )
    for i, exp in enumerate(tc["experiments"]):
        # the CP-rank estimate considers ranks up to the default R of the shape
        msg = target_rank_problem(
            f"norms.tc.experiments.{i}.target_rank", exp["target_rank"], [exp["dim"]] * exp["order"]
        )
        if msg:
            out.append(msg)
    return out

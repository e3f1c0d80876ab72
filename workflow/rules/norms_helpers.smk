# Helpers of norms.smk: config sections, paths, per-run params, target lists and job sizes.


from implreg.norms import instances as _norms_instances

NORMS = CFG["norms"]
DMF = NORMS["dmf"]
TC = NORMS["tc"]


# The DMF problems: the main 2x2 setting and appendix A's perturbed ones (b22 = epsilon).
DMF_SETTINGS = {
    "main": {
        "observations": DMF["main_observations"],
        "det_sign": DMF["main_det_sign"],
    },
    **{
        f"perturbed_eps{fmt_num(eps)}": {
            "observations": [*DMF["perturbed_observations"], float(eps)],
            "det_sign": DMF["perturbed_det_sign"],
        }
        for eps in DMF["perturbed_epsilons"]
    },
}
DMF_DEPTHS = [p["depth"] for p in DMF["panels"]]
DMF_PERTURBED_DEPTHS = [p["depth"] for p in DMF["perturbed_panels"]]


def dmf_runs(setting, depth):
    """Runs of one (setting, depth) job: Fig. 1's panels, or appendix A's."""
    key = "norms.dmf.panels" if setting == "main" else "norms.dmf.perturbed_panels"
    panels = DMF["panels"] if setting == "main" else DMF["perturbed_panels"]
    runs = {p["depth"]: p["runs"] for p in panels}
    return _smk.configured(runs, depth, "depth", key, f"DMF {setting}, depth {depth}")


TC_EXPERIMENTS = {e["name"]: e for e in TC["experiments"]}


def tc_exp(name):
    """The tensor-completion experiment `name`; an unconfigured one names the configured experiments."""
    return _smk.configured(
        TC_EXPERIMENTS,
        name,
        "experiment",
        "norms.tc.experiments",
        f"figures/norms/tc_{name}.pdf",
    )


# The instance each experiment completes (norms.tc.instance): the paper's shipped one, checked while the DAG is
# built (a shape the paper did not use stops here, naming the fix), or a draw from target_seed.
try:
    TC_PAPER_FILES = (
        {
            name: _norms_instances.paper_instance_file(
                e["order"], e["dim"], e["target_rank"]
            )
            for name, e in TC_EXPERIMENTS.items()
        }
        if TC["instance"] == "paper"
        else {}
    )
except ConfigError as _err:
    raise WorkflowError(str(_err)) from None


def tc_instance_input(wc):
    """make_tc_target's input: the paper's instance file (instance = paper), nothing for a seeded draw."""
    tc_exp(wc.exp)
    if TC["instance"] != "paper":
        return {}
    path = TC_PAPER_FILES[wc.exp]
    return {"reference": repo_file(f"{_norms_instances.REPO_FOLDER}/{path.name}")}


def tc_target_seed(exp):
    """The seed of a seeded draw; None with the paper's instance (changing target_seed then reruns nothing)."""
    return tc_exp(exp)["target_seed"] if TC["instance"] == "seeded" else None


def tc_instance(exp):
    """The instance a figure completed, as its claims file and the report state it."""
    e = tc_exp(exp)
    return _norms_instances.describe(
        TC["instance"], e["order"], e["dim"], e["target_rank"], e["target_seed"]
    )


def tc_init_stds(exp):
    """Inits one tensor-completion figure runs: init_stds, or its init_stds_by_experiment subset (same order)."""
    keep = TC["init_stds_by_experiment"].get(exp)
    return [i for i in TC["init_stds"] if keep is None or i in keep]


def tc_max_steps(exp):
    """Step cap of one tensor-completion figure: max_steps, or its lower step_caps entry."""
    tc_exp(exp)
    return min(TC["max_steps"], TC["step_caps"].get(exp, TC["max_steps"]))


NORMS_FIGURES = (
    expand("figures/norms/dmf_unobserved_entry_depth{depth}.pdf", depth=DMF_DEPTHS)
    + ["figures/norms/dmf_norms_rank.pdf"]
    + expand(
        "figures/norms/dmf_perturbed_unobserved_entry_depth{depth}.pdf",
        depth=DMF_PERTURBED_DEPTHS,
    )
    + expand("figures/norms/tc_{exp}.pdf", exp=list(TC_EXPERIMENTS))
)


# Job sizes of this paper's heavy rules (see _JOB_SIZES in common.smk).
# Paper sizes of the training rules: ~2x the pre-flight's prediction at the step cap and its peak memory
# (docs/scaling.md): DMF < 1 CPU-min per job; TC up to 8.6 CPU-h (order 4, 1e6 steps), 0.4 GB.
_JOB_SIZES["train_dmf"] = {
    "smoke": (1, 1000, 10),
    "default": (1, 2000, 60),
    "paper": (1, 1000, 10),
}
_JOB_SIZES["measure_tc"] = {
    "smoke": (1, 1000, 10),
    "default": (1, 1000, 60),
    "paper": (1, 2000, 120),
}
_JOB_SIZES["train_tc"] = {
    "smoke": (1, 1000, 15),
    "default": (1, 2000, 180),
    "paper": (2, 1000, 1080),
}

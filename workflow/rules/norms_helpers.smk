# Helpers of norms.smk: config sections, paths, per-run params, target lists and job sizes.


from implreg.norms import instances as _norms_instances
from implreg.norms.robustness import grid_runs as _norms_grid_runs

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
# The training keys of each section (pick): the rest of it is the measures' and the plots'.
DMF_TRAIN = (
    "init_scale_mode optimizer stop_loss stop_patience log_every max_steps dtype"
)
TC_TRAIN = "lr optimizer beta eps stop_loss check_every stop_patience"


def dmf_perturbed(name):
    """One file (metrics.csv, flow.csv, ...) of every appendix A setting at the job's depth."""
    eps = [fmt_num(e) for e in DMF["perturbed_epsilons"]]
    return expand(
        f"results/norms/dmf/perturbed_eps{{eps}}/depth{{{{depth}}}}/{name}", eps=eps
    )


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


# How often the statements hold (issue 30): Fig. 2's claims over seeded target instances, and GD vs its gradient
# flow at one loss over an (init, lr) grid of Fig. 1's problem (all runs in one job).
NORMS_ROB = NORMS["robustness"]
NORMS_ROB_TC = NORMS_ROB["tc"]
NORMS_ROB_DMF = NORMS_ROB["dmf"]
NORMS_ROB_DMF_RUNS = _norms_grid_runs(
    NORMS_ROB_DMF["inits"],
    NORMS_ROB_DMF["lrs"],
    NORMS_ROB_DMF["seeds"],
    NORMS_ROB_DMF["balanced"],
)
NORMS_ROBUSTNESS = ["figures/norms/robustness.pdf"]


def norms_rob_tc(name):
    """One file of every target instance of the robustness experiment (`init{init}/...`: of every init too)."""
    exp = NORMS_ROB_TC["experiment"]
    inits = [fmt_num(i) for i in tc_init_stds(exp)]
    root = f"results/norms/robustness/tc/{exp}/target{{tseed}}/{name}"
    return expand(root, tseed=NORMS_ROB_TC["target_seeds"], init=inits)


def _norms_tc_robustness_claim_params():
    """plot_tc's claim parameters for the robustness experiment, so its claims are the figure's with the figure's
    settings, its id, untestable and findings included (the plotted figure's: plot_tc's, for the experiment's
    wildcards; called by norms_robustness.smk, once norms.smk has defined plot_tc)."""
    from types import SimpleNamespace

    wc = SimpleNamespace(exp=NORMS_ROB_TC["experiment"])
    keep = (
        *("init_stds", "target_rank", "rank_from", "error_from", "error_factor"),
        *("init_ordering", "grid", "figure", "untestable", "findings"),
    )
    params = dict(rules.plot_tc.params.items())
    return {k: (v(wc) if callable(v) else v) for k, v in ((k, params[k]) for k in keep)}


# Job sizes of this paper's heavy rules (see _JOB_SIZES in common.smk).
# Paper sizes of the training rules: ~2x the pre-flight's prediction at the step cap and its peak memory
# (docs/scaling.md): DMF < 1 CPU-min per job; TC up to 8.6 CPU-h (order 4, 1e6 steps), 0.4 GB.
_JOB_SIZES["train_dmf"] = {
    "smoke": (1, 1000, 10),
    "default": (1, 2000, 60),
    "paper": (1, 1000, 10),
}
# The robustness DMF grid (train_dmf_robustness, solve_dmf_robustness_flow): one job of 512 runs (1024 at paper)
# to 1e7 steps, not the figures' few runs, so not train_dmf's size. Measured (docs/robustness.md): 1086 s wall
# and 0.58 GB at default on 2 busy cores; paper's 1024 runs: 0.48 CPU-h at the 1e7-step cap (pre-flight probe).
_JOB_SIZES["dmf_robustness"] = {
    "smoke": (1, 1000, 10),
    "default": (1, 2000, 60),
    "paper": (1, 2000, 120),
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


# Sizes the machine cannot hold stop here, before any job (the job would fail allocating, hours in).
from implreg.norms.tc_memory import memory_lower_bound as _tc_memory

try:
    for _i, _exp in enumerate(TC["experiments"]):
        _smk.check_memory(
            "train_tc",
            f"norms.tc.experiments.{_i}",
            f"{_exp['name']}: {_exp['dim']}^{_exp['order']}, {len(_exp['num_observations'])} N x {TC['repetitions']} repetitions",
            _tc_memory(
                _exp["order"],
                _exp["dim"],
                len(_exp["num_observations"]) * TC["repetitions"],
                4 if TC["dtype"] == "float32" else 8,
            ),
            requested_mem_mb("train_tc", "train_tc"),
            PRESET,
        )
except ConfigError as _err:
    raise WorkflowError(str(_err)) from None

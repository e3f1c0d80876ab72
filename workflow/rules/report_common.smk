# Helpers of report.smk: which benchmark files and seeds stand behind each figure, where its claims table sits.


from implreg import registry as _registry

REPORT_PAPERS = list(_registry.PAPERS)
REPORT_DEVIATIONS = [repo_file(f"docs/deviations/{p}.yaml") for p in REPORT_PAPERS]
REPORT_TEMPLATES = [
    repo_file(f"src/implreg/report/templates/{t}")
    for t in ("report.html.j2", "_macros.html.j2")
]


def _bench(rule, name):
    return f"benchmarks/out/{rule}/{name}.tsv"


def report_benchmarks():
    """Figure id -> the benchmark files of the jobs that trained and measured it (read if present)."""
    out = {}
    # the rules of each figure's cost: its registry row (implreg/<paper>/registry.py)
    rules_of = lambda fid: _registry.entry(fid).benchmarks
    for d in DMF_DEPTHS:
        fid = f"norms/dmf_unobserved_entry_depth{d}"
        out[fid] = [_bench(rule, f"main_depth{d}") for rule in rules_of(fid)]
    out["norms/dmf_norms_rank"] = [
        _bench(rule, f"main_depth{d}")
        for d in DMF_DEPTHS
        for rule in rules_of("norms/dmf_norms_rank")
    ]
    for d in DMF_PERTURBED_DEPTHS:
        fid = f"norms/dmf_perturbed_unobserved_entry_depth{d}"
        out[fid] = [
            _bench(rule, f"perturbed_eps{fmt_num(e)}_depth{d}")
            for e in DMF["perturbed_epsilons"]
            for rule in rules_of(fid)
        ]
    for exp in TC_EXPERIMENTS:
        inits = [fmt_num(i) for i in tc_init_stds(exp)]
        out[f"norms/tc_{exp}"] = (
            [_bench("train_tc", f"{exp}_init{i}") for i in inits]
            + [_bench("measure_tc", f"{exp}_init{i}") for i in inits]
            + [_bench("measure_tc_linear", exp)]
        )
    out["tf/cp_dynamics"] = [
        _bench("train_tf_dynamics", f"data{s}") for s in TF_DYN["data_seeds"]
    ]
    out["tf/tensor_rank_natural_data"] = [
        _bench("train_tf_natural", f"{ds}_{var}")
        for ds in TF_NAT["datasets"]
        for var in TF_NAT["variants"]
    ]
    out["htf/incremental_learning_mf_cp_ht"] = [
        _bench("train_htf_dynamics", f"{m}_data{s}")
        for m in HTF_MODELS
        for s in HTF_DYN["data_seeds"]
    ]
    out["htf/ht_local_components_matricizations"] = [
        _bench("train_htf_dynamics", f"ht_data{s}") for s in HTF_DYN["data_seeds"]
    ]
    for slug, (grid, task) in LOC_SLUGS.items():
        data = (
            [_bench("make_pathfinder", f"L{s}") for s in LOC_SETTINGS[task]]
            if task == "pathfinder"
            else []
        )
        out[f"htf/{slug}"] = data + [
            _bench(LOC_GRIDS[grid]["rule"], f"{task}_s{s}_lam{fmt_num(lam)}_seed{seed}")
            for s in LOC_SETTINGS[task]
            for lam in LOC_TASKS[task]["lams"]
            for seed in LOC_SEEDS[task]
        ]
    return out


def report_seeds():
    """Figure id -> the seeds behind it, as the report prints them."""
    out = {}
    dmf_seeds = sorted(
        {r["seed"] for p in DMF["panels"] + DMF["perturbed_panels"] for r in p["runs"]}
    )
    for fig in NORMS_FIGURES:
        fid = fig[len("figures/") : -len(".pdf")]
        out[fid] = {"init seeds": dmf_seeds}
    for exp, e in TC_EXPERIMENTS.items():
        out[f"norms/tc_{exp}"] = {
            "instance": (
                "the paper's"
                if TC["instance"] == "paper"
                else f"seeded, target seed {e['target_seed']}"
            ),
            "run seed": TC["seed"],
        }
    out["tf/cp_dynamics"] = {
        "data seeds": TF_DYN["data_seeds"],
        "init seeds": TF_DYN["init_seeds"],
    }
    out["tf/tensor_rank_natural_data"] = {"seed": TF_NAT["seed"]}
    for slug in ("incremental_learning_mf_cp_ht", "ht_local_components_matricizations"):
        out[f"htf/{slug}"] = {
            "data seeds": HTF_DYN["data_seeds"],
            "init seed": HTF_DYN["init_seed"],
        }
    for slug, (_, task) in LOC_SLUGS.items():
        out[f"htf/{slug}"] = {
            "data seed": LOC_TASKS[task]["data_seed"],
            "run seeds": LOC_SEEDS[task],
        }
    return out


# The claims table sits beside its figure in the Snakemake report, under its paper figure (the registry).
report_subcategory = _figure_subcategory("{paper}/{slug}")

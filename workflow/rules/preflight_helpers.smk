# Helpers of preflight.smk: probe lengths, the DAG's jobs (each with its request and its probe), probe params.
from implreg.htf.locality.is_same_class import cifar10_available

# Each preset's probes and table in their own folder: switching presets reruns nothing.
PF_ROOT = f"results/preflight/{PRESET}"

# Steps (or epochs, images) each probe runs; the first warms up and only the others are timed.
PF_STEPS = {
    "train_dmf": 200_000,  # numba kernel: timed as one call (plus a 100-step JIT warm-up)
    "train_tc": 51,
    "train_tf_dynamics": 51,  # 2 log points (log_every 25) inside the timed steps
    "train_tf_natural": 3,  # epochs
    "train_htf_dynamics": 51,
    "make_pathfinder": 6,  # images, all timed (after one warm-up image)
    "train_locality": 3,
}


def _value(x):
    """A Snakemake resource (a plain number, or an object holding one in .value)."""
    return getattr(x, "value", x)


def pf_request(rule_name):
    """What a job of `rule_name` asks for, as Snakemake resolved it (so --set-resources shows here too)."""
    res = workflow.get_rule(rule_name).resources
    return {
        "threads": int(_value(res["_cores"])),
        "mem_mb": int(_value(res["mem_mb"])),
        "runtime": int(_value(res["runtime"])),
    }


def pf_probe_resources(rule_name, gpu=False):
    """A probe holds its job's data and model (the job's memory) for a few minutes at most."""
    return {
        **(GPU_RESOURCES if gpu else {}),
        "mem_mb": pf_request(rule_name)["mem_mb"],
        "runtime": 30,
    }


def _job(rule_name, label, probe=None, note="", flags=()):
    return {
        "rule": rule_name,
        "job": label,
        "probe": probe,
        "request": pf_request(rule_name),
        "note": note,
        "flags": list(flags),
    }


def pf_tc_target(exp):
    e = tc_exp(exp)
    return {
        "order": e["order"],
        "dim": e["dim"],
        "rank": e["target_rank"],
        "seed": e["target_seed"],
    }


def pf_locality_data(task):
    """What the probe needs to build a full-size stand-in of the task's data set."""
    t = LOC_TASKS[task]
    if task == "pathfinder":
        return {k: t[k] for k in ("geometry", "n_train", "n_test")}
    keys = ("source", "cifar10_dir", "n_train", "n_test", "data_seed")
    return {k: t[k] for k in keys}


def _loc_probe(task, lam, grid):
    """One probe per (grid, task, with / without IGC): the setting, λ > 0 and seed do not change the work per
    step."""
    s = max(LOC_SETTINGS[task])
    lam = min(l for l in LOC_TASKS[task]["lams"] if l > 0) if lam > 0 else 0
    seed = LOC_SEEDS[task][0]
    rule_name = LOC_GRIDS[grid]["rule"]
    return f"{PF_ROOT}/{rule_name}/{task}_s{s}_lam{fmt_num(lam)}_seed{seed}.json"


def _heavy_jobs():
    jobs = []
    for setting in DMF_SETTINGS:
        depths = DMF_DEPTHS if setting == "main" else DMF_PERTURBED_DEPTHS
        for d in depths:
            label = f"{setting}_depth{d}"
            jobs.append(_job("train_dmf", label, f"{PF_ROOT}/train_dmf/{label}.json"))
    for exp in TC_EXPERIMENTS:
        for init in tc_init_stds(exp):
            label = f"{exp}_init{fmt_num(init)}"
            jobs.append(_job("train_tc", label, f"{PF_ROOT}/train_tc/{label}.json"))
    for dseed in TF_DYN["data_seeds"]:
        label = f"data{dseed}"
        jobs.append(
            _job(
                "train_tf_dynamics",
                label,
                f"{PF_ROOT}/train_tf_dynamics/{label}.json",
            )
        )
    for ds in TF_NAT["datasets"]:
        for v in TF_NAT["variants"]:
            # The variants share the data's shape: one probe per dataset (on the original data).
            probe = f"{PF_ROOT}/train_tf_natural/{ds}_original.json"
            jobs.append(_job("train_tf_natural", f"{ds}_{v}", probe))
    for m in HTF_MODELS:
        # The instances (data seeds) share the model's shape: one probe per model, on the first instance.
        probe = f"{PF_ROOT}/train_htf_dynamics/{m}_data{HTF_DYN['data_seeds'][0]}.json"
        for dseed in HTF_DYN["data_seeds"]:
            jobs.append(_job("train_htf_dynamics", f"{m}_data{dseed}", probe))
    for length in LOC_SETTINGS["pathfinder"]:
        probe = f"{PF_ROOT}/make_pathfinder/L{length}.json"
        jobs.append(_job("make_pathfinder", f"L{length}", probe))
    for grid, g in LOC_GRIDS.items():
        for task in LOC_TASKS:
            for s in LOC_SETTINGS[task]:
                for lam in LOC_TASKS[task]["lams"]:
                    for seed in LOC_SEEDS[task]:
                        label = f"{task}_s{s}_lam{fmt_num(lam)}_seed{seed}"
                        probe = _loc_probe(task, lam, grid)
                        jobs.append(_job(g["rule"], label, probe))
    return jobs


def _data_jobs():
    """The dataset steps: fetched (real IDX files) or generated (smoke's fakes), one per dataset in use."""
    used = set(TF_NAT["datasets"])
    if HTF_LOC["is_same"]["source"] != "cifar10":
        used.add(HTF_LOC["is_same"]["source"])
    rule_name = "make_fake_idx" if TF_NAT["source"] == "fake" else "fetch_dataset"
    return [
        _job(rule_name, ds, note="copies / downloads the dataset")
        for ds in sorted(used)
    ]


def _is_same_job():
    src = HTF_LOC["is_same"]["source"]
    flags = []
    if src == "cifar10" and not cifar10_available(HTF_LOC["is_same"]["cifar10_dir"]):
        flags = [f"CIFAR-10 missing from {HTF_LOC['is_same']['cifar10_dir']}"]
    return _job(
        "make_is_same_class", "is_same", note="samples image pairs", flags=flags
    )


def _light_jobs():
    """Jobs that read training outputs (measures, plots, claims, report): not probed; one row each."""
    n_exp = len(TC_EXPERIMENTS)
    n_tc = sum(
        len(tc_init_stds(e)) for e in TC_EXPERIMENTS
    )  # a figure may run a subset of the inits
    n_dmf = sum(1 for j in _heavy_jobs() if j["rule"] == "train_dmf")
    counts = {
        "measure_tc_linear": n_exp,
        "measure_tc": n_tc,
        "measure_dmf": n_dmf,
        "solve_dmf_flow": n_dmf,  # one flow per GD job: Fig. 1 and appendix A
        "plot_dmf_entry": len(DMF_DEPTHS),
        "plot_dmf_norms": 1,
        "plot_dmf_perturbed": len(DMF_PERTURBED_DEPTHS),
        "plot_tc": n_exp,
        "plot_tf_dynamics": 1,
        "plot_tf_natural": 1,
        "plot_htf_dynamics": 1,
        "plot_htf_appendix": 1,
        "calibrate_locality": len(LOC_TASKS),
        "calibrate_locality_resnet34": len(LOC_TASKS) if "resnet34" in LOC_GRIDS else 0,
        "plot_locality": len(HTF_LOCALITY_FIGURES),
        "claims_table": len(ALL_FIGURES),
        "summarise_claims": 1,
        "build_report": 1,
        "check_claims": 1,
    }
    note = "reads training outputs, which a pre-flight does not make"
    targets = [
        _job("make_tc_target", e, note="draws a small random target tensor")
        for e in TC_EXPERIMENTS
    ]
    return targets + [
        _job(rule_name, f"{rule_name} #{i + 1}", note=note)
        for rule_name, n in counts.items()
        for i in range(n)
    ]


PF_JOBS = _heavy_jobs() + _data_jobs() + [_is_same_job()] + _light_jobs()


def pf_params(rule):
    """A training rule's params for its probe, except that the probe computes with the threads Snakemake gives
    it: a probe times the job (`--set-threads preflight_<rule>=1` probes single-threaded, docs/scaling.md).
    """
    return {
        **dict(rule.params.items()),
        "compute_threads": lambda wildcards, threads: threads,
    }

# Helpers of preflight.smk: the real DAG's jobs (dag_helpers.smk; each with its request and its probe) and the probes'
# params.
from inspect import signature
from types import SimpleNamespace

from snakemake.io import apply_wildcards

from implreg.htf.locality.is_same_class import cifar10_available
from implreg.preflight.probes import probes as _pf_probes

# Each preset's probes and table in their own folder: switching presets reruns nothing.
PF_ROOT = f"results/preflight/{PRESET}"
# How each heavy rule is probed: its paper's table (implreg/<paper>/probes.py, PROBES).
PF_PROBES = _pf_probes()


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
        "gpu": int(_value(res["gpu"])) if "gpu" in res.keys() else 0,
    }


def _params(job):
    """A job's params, evaluated as Snakemake would for it (a function of the wildcards, or also of the job's
    input and output files)."""
    rl, wc = job["rule"], job["wildcards"]
    files = {
        "input": lambda: rl.expand_input(wc)[0],
        "output": lambda: rl.expand_output(wc)[0],
    }
    out = {}
    for name, value in rl.params.items():
        if callable(value):
            args = signature(value).parameters
            value = value(
                SimpleNamespace(**wc), **{k: f() for k, f in files.items() if k in args}
            )
        out[name] = apply_wildcards(value, wc) if isinstance(value, str) else value
    return out


def _sources(job, jobs, maker):
    """Input name -> params of the job that makes it (what a probe builds its stand-in input from)."""
    out = {}
    for path, name in job["named"].items():
        if maker.get(path):
            params = _params(jobs[maker[path]])
            out[name] = {k: v for k, v in params.items() if k != "code"}
    return out


# Non-probed jobs: what they do, for the table (the default: they read what the training jobs make).
PF_NOTES = {
    "make_fake_idx": "copies / downloads the dataset",
    "fetch_dataset": "copies / downloads the dataset",
    "make_is_same_class": "samples image pairs",
    "make_tc_target": "draws a small random target tensor",
}


def _flags(rule_name):
    """A machine check the DAG cannot make: the Is-Same-Class data set must be on this machine."""
    is_same = HTF_LOC["is_same"]
    if rule_name == "make_is_same_class" and is_same["source"] == "cifar10":
        if not cifar10_available(is_same["cifar10_dir"]):
            return [f"CIFAR-10 missing from {is_same['cifar10_dir']}"]
    return []


def pf_jobs(groups):
    """Every job of the real DAG (table rows), probed ones with their probe and the params it needs. `groups`:
    (target label, targets, files not to walk); a job shared by several belongs to the first that needs it.
    """
    jobs, maker, owner = {}, {}, {}
    for label, targets, skip in groups:
        g_jobs, g_maker = dag_jobs(targets, skip)
        for key in g_jobs:
            owner.setdefault(key, label)
        jobs |= {k: v for k, v in g_jobs.items() if k not in jobs}
        maker |= {k: v for k, v in g_maker.items() if v is not None or k not in maker}
    first = (
        {}
    )  # (rule, probe group) -> the label of the job that is probed for the group
    rows = []
    for (name, label), job in jobs.items():
        probe = PF_PROBES.get(name)
        row = {"rule": name, "job": label, "target": owner[(name, label)]}
        row |= {"probe": None, "request": pf_request(name)}
        row |= {"note": "", "flags": _flags(name)}
        if probe is None:
            row["note"] = PF_NOTES.get(
                name, "reads training outputs, which a pre-flight does not make"
            )
        else:
            rep = first.setdefault((name, probe.group(job["wildcards"])), label)
            row["probe"] = f"{PF_ROOT}/{name}/{rep}.json"
            if rep == label:
                row["params"] = _params(job)
                row["sources"] = _sources(job, jobs, maker)
        rows.append(row)
    return sorted(
        rows, key=lambda r: r["probe"] is None
    )  # the probed (heavy) jobs first


# What the table sizes, per target: the figures' DAG (`all` without robustness), then each paper's robustness
# target (issue 30), whether or not `robustness` puts it in `all`, so its cost is known before it is asked for.
PF_SKIP = {f.replace(".pdf", x) for f in ROBUSTNESS_FIGURES for x in (".pdf", ".json")}
PF_GROUPS = [("figures", REAL_TARGETS, PF_SKIP)] + [
    (f"{f.split('/')[1]} robustness", [f], ()) for f in ROBUSTNESS_FIGURES
]
PF_JOBS = pf_jobs(PF_GROUPS) if CFG["preflight"] else []
PF_PROBED = {j["probe"]: j for j in PF_JOBS if "params" in j}


def pf_probe(wildcards):
    """The job a probe stands for."""
    return PF_PROBED[f"{PF_ROOT}/{wildcards.name}/{wildcards.job}.json"]

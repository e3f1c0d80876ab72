# Helpers of preflight.smk: the real DAG's jobs (each with its request and its probe) and the probes' params.
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


def _label(rl, wildcards):
    """A job's name in the table: its log file's, below logs/<rule>/ (else its wildcards')."""
    if not rl.log:
        return "_".join(str(v) for v in wildcards.values()) or rl.name
    log = rl.expand_log(wildcards)[0]
    return log.removeprefix(f"logs/{rl.name}/").removesuffix(".log")


def pf_dag(targets, skip=()):
    """The jobs that build `targets`, found as Snakemake builds its DAG: each file's producing rule, that job's
    wildcards, its inputs, recursively (a file no rule makes, or in `skip`, is a source). Returns {(rule, label): job} in DAG
    order, and {file: (rule, label)} of the job that makes each file."""
    rules = [
        r for r in workflow.rules if r.output and not r.name.startswith("preflight")
    ]
    jobs, maker, todo = {}, {}, list(reversed(targets))
    while todo:
        path = str(todo.pop())
        if path in maker:
            continue
        if path in skip:
            maker[path] = None
            continue
        makers = [r for r in rules if r.is_producer(path)]
        if len(makers) > 1:
            raise WorkflowError(
                f"pre-flight: {path} is made by {[r.name for r in makers]}"
            )
        if not makers:
            maker[path] = None
            continue
        rl = makers[0]
        wc = rl.get_wildcards(path)
        key = maker[path] = (rl.name, _label(rl, wc))
        if key in jobs:
            continue
        inputs = rl.expand_input(wc)[0]
        named = (
            {}
        )  # input file -> its name in the rule (a named input may hold several files)
        for name, files in inputs.items():
            for f in [files] if isinstance(files, str) else files:
                named[str(f)] = name
        jobs[key] = {"rule": rl, "wildcards": wc, "named": named}
        todo.extend(reversed(list(inputs)))
    return jobs, maker


def _params(job):
    """A job's params, evaluated as Snakemake would for it."""
    rl, wc = job["rule"], job["wildcards"]
    out = {}
    for name, value in rl.params.items():
        if callable(value):
            value = value(SimpleNamespace(**wc))
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
        g_jobs, g_maker = pf_dag(targets, skip)
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

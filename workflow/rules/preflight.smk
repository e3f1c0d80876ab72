# Pre-flight of this preset's DAG (`--config preflight=true`, docs/scaling.md): each heavy job runs its own training
# code at its full size for a few steps, timed (results/preflight/<preset>/<rule>/<job>.json); one table
# (results/preflight/<preset>/table.*) lists every job of the real DAG and predicts each one's runtime and peak
# memory on this machine against the `runtime`/`mem_mb` it requests, flagging a request or a machine that is too
# small. Which rules are probed, and how: each paper's table (implreg/<paper>/probes.py, PROBES); the jobs:
# the real DAG (preflight_helpers.smk). Probes write only under results/preflight/<preset>/: no real output of the
# DAG is made or marked done.


include: "preflight_helpers.smk"


# One probe per group of jobs that do the same work per step (Probe.shared), run on the group's first job.
rule preflight_probe:
    output:
        probe=f"{PF_ROOT}/{{name}}/{{job}}.json",
    log:
        "logs/preflight_probe/{name}/{job}.log",
    wildcard_constraints:
        name="|".join(PF_PROBES),
    conda:
        CONDA_ENV
    # The job's threads and memory; a probe holds its data and model for a few minutes at most.
    threads: lambda wc: pf_request(wc.name)["threads"]
    resources:
        **({"gpu": lambda wc: pf_request(wc.name)["gpu"]} if GPU_RESOURCES else {}),
        mem_mb=lambda wc: pf_request(wc.name)["mem_mb"],
        runtime=30,
    params:
        code=lib_code("scripts/core/preflight_probe.py"),
        rule_name=lambda wc: wc.name,
        function=lambda wc: PF_PROBES[wc.name].function,
        steps=lambda wc: PF_PROBES[wc.name].steps,
        job=lambda wc: pf_probe(wc)["params"],
        sources=lambda wc: pf_probe(wc)["sources"],
        # A probe times the job on the threads Snakemake gives it (`--set-threads preflight_probe=1`: one).
        compute_threads=lambda wildcards, threads: threads,
    script:
        "../../scripts/core/preflight_probe.py"


rule preflight_table:
    input:
        probes=sorted(PF_PROBED),
    output:
        md=f"{PF_ROOT}/table.md",
        csv=f"{PF_ROOT}/table.csv",
    log:
        "logs/preflight_table/table.log",
    conda:
        CONDA_ENV
    resources:
        **job_resources("small"),
    params:
        code=lib_code("scripts/core/preflight_table.py"),
        jobs=[
            {k: v for k, v in j.items() if k not in ("params", "sources")}
            for j in PF_JOBS
        ],
        preset=PRESET,
        device=CFG["device"],
    script:
        "../../scripts/core/preflight_table.py"

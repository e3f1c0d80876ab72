# Pre-flight of this preset's DAG (`--config preflight=true`): each heavy job runs its own training code at its
# full size for a few steps, timed (results/preflight/<preset>/<rule>/<job>.json); one table (results/preflight/<preset>/table.*)
# predicts every job's runtime and peak memory on this machine against the `runtime`/`mem_mb` it requests and
# flags a request or a machine that is too small. Probes write only under results/preflight/<preset>/: no real output
# of the DAG is made or marked done. Helpers (PF_*, pf_*) are in preflight_helpers.smk.


include: "preflight_helpers.smk"


rule preflight_train_dmf:
    output:
        probe=f"{PF_ROOT}/train_dmf/{{setting}}_depth{{depth}}.json",
    log:
        "logs/preflight_train_dmf/{setting}_depth{depth}.log",
    conda:
        CONDA_ENV
    threads: job_threads("train_dmf")
    resources:
        **pf_probe_resources("train_dmf"),
    params:
        **pf_params(rules.train_dmf),
        probe_steps=PF_STEPS["train_dmf"],
    script:
        "../../scripts/norms/preflight_train_dmf.py"


rule preflight_train_tc:
    output:
        probe=f"{PF_ROOT}/train_tc/{{exp}}_init{{init}}.json",
    log:
        "logs/preflight_train_tc/{exp}_init{init}.log",
    conda:
        CONDA_ENV
    threads: job_threads("train_tc")
    resources:
        **pf_probe_resources("train_tc", gpu=True),
    params:
        **pf_params(rules.train_tc),
        target=lambda wc: dict(rules.make_tc_target.params.items())
        | pf_tc_target(wc.exp),
        probe_steps=PF_STEPS["train_tc"],
    script:
        "../../scripts/norms/preflight_train_tc.py"


rule preflight_train_tf_dynamics:
    output:
        probe=f"{PF_ROOT}/train_tf_dynamics/data{{dseed}}.json",
    log:
        "logs/preflight_train_tf_dynamics/data{dseed}.log",
    wildcard_constraints:
        dseed=r"\d+",
    conda:
        CONDA_ENV
    threads: job_threads("train_tf_dynamics")
    resources:
        **pf_probe_resources("train_tf_dynamics", gpu=True),
    params:
        **pf_params(rules.train_tf_dynamics),
        probe_steps=PF_STEPS["train_tf_dynamics"],
    script:
        "../../scripts/tf/preflight_train_tf_dynamics.py"


rule preflight_train_tf_natural:
    output:
        probe=f"{PF_ROOT}/train_tf_natural/{{dataset}}_{{variant}}.json",
    log:
        "logs/preflight_train_tf_natural/{dataset}_{variant}.log",
    conda:
        CONDA_ENV
    threads: job_threads("train_tf_natural")
    resources:
        **pf_probe_resources("train_tf_natural", gpu=True),
    params:
        **pf_params(rules.train_tf_natural),
        data_dir=TF_NAT["data_dir"],
        probe_steps=PF_STEPS["train_tf_natural"],
    script:
        "../../scripts/tf/preflight_train_tf_natural.py"


rule preflight_train_htf_dynamics:
    output:
        probe=f"{PF_ROOT}/train_htf_dynamics/{{model}}_data{{dseed}}.json",
    log:
        "logs/preflight_train_htf_dynamics/{model}_data{dseed}.log",
    conda:
        CONDA_ENV
    threads: job_threads("train_htf_dynamics")
    resources:
        **pf_probe_resources("train_htf_dynamics", gpu=True),
    params:
        **pf_params(rules.train_htf_dynamics),
        probe_steps=PF_STEPS["train_htf_dynamics"],
    script:
        "../../scripts/htf/preflight_train_htf_dynamics.py"


rule preflight_make_pathfinder:
    output:
        probe=f"{PF_ROOT}/make_pathfinder/L{{length}}.json",
    log:
        "logs/preflight_make_pathfinder/L{length}.log",
    wildcard_constraints:
        length=r"\d+",
    conda:
        CONDA_ENV
    threads: job_threads("make_pathfinder")
    resources:
        **pf_probe_resources("make_pathfinder"),
    params:
        **dict(rules.make_pathfinder.params.items()),
        probe_steps=PF_STEPS["make_pathfinder"],
    script:
        "../../scripts/htf/preflight_make_pathfinder.py"


rule preflight_train_locality:
    output:
        probe=f"{PF_ROOT}/train_locality/{{task}}_s{{setting}}_lam{{lam}}_seed{{seed}}.json",
    log:
        "logs/preflight_train_locality/{task}_s{setting}_lam{lam}_seed{seed}.log",
    wildcard_constraints:
        task=r"is_same|pathfinder",
        setting=r"\d+",
        lam=r"[0-9.e+-]+",
        seed=r"\d+",
    conda:
        CONDA_ENV
    threads: job_threads("train_locality")
    resources:
        **pf_probe_resources("train_locality", gpu=True),
    params:
        **pf_params(rules.train_locality),
        data=lambda wc: pf_locality_data(wc.task),
        probe_steps=PF_STEPS["train_locality"],
    script:
        "../../scripts/htf/preflight_train_locality.py"


use rule preflight_train_locality as preflight_train_locality_resnet34 with:
    output:
        probe=f"{PF_ROOT}/train_locality_resnet34/{{task}}_s{{setting}}_lam{{lam}}_seed{{seed}}.json",
    log:
        "logs/preflight_train_locality_resnet34/{task}_s{setting}_lam{lam}_seed{seed}.log",
    conda:
        CONDA_ENV
    params:
        **pf_params(rules.train_locality_resnet34),
        data=lambda wc: pf_locality_data(wc.task),
        probe_steps=PF_STEPS["train_locality"],


rule preflight_table:
    input:
        probes=sorted({j["probe"] for j in PF_JOBS if j["probe"]}),
    output:
        md=f"{PF_ROOT}/table.md",
        csv=f"{PF_ROOT}/table.csv",
    log:
        "logs/preflight_table/table.log",
    conda:
        CONDA_ENV
    threads: 1
    resources:
        **job_resources("small"),
    params:
        code=lib_code("scripts/core/preflight_table.py"),
        jobs=PF_JOBS,
        preset=PRESET,
        device=CFG["device"],
    script:
        "../../scripts/core/preflight_table.py"

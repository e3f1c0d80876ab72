# The htf paper (ICML 2022): dynamics figure (E1) and its appendix figure.


include: "htf_helpers.smk"


wildcard_constraints:
    model=r"mf|cp|ht",
    dseed=r"\d+",


rule train_htf_dynamics:
    output:
        history="results/htf/dynamics/data{dseed}/{model}/history.npz",
    log:
        "logs/train_htf_dynamics/{model}_data{dseed}.log",
    benchmark:
        "benchmarks/out/train_htf_dynamics/{model}_data{dseed}.tsv"
    conda:
        CONDA_ENV
    threads: job_threads("train_htf_dynamics")
    resources:
        **job_resources("train_htf_dynamics", gpu=True),
    params:
        code=lib_code("scripts/htf/train_htf_dynamics.py"),
        compute_threads=compute_threads("train_htf_dynamics"),
        model=lambda wc: wc.model,
        spec=lambda wc: htf_spec(wc.model),
        train=lambda wc: htf_train(wc.model, wc.dseed),
        dtype=HTF_DYN["dtype"],
        device=CFG["device"],
    script:
        "../../scripts/htf/train_htf_dynamics.py"


rule plot_htf_dynamics:
    input:
        mf=htf_histories("mf"),
        cp=htf_histories("cp"),
        ht=htf_histories("ht"),
    output:
        **figure_outputs(
            "htf/incremental_learning_mf_cp_ht",
            table="results/htf/dynamics/figure_table.csv",
        ),
    log:
        "logs/plot_htf_dynamics/plot.log",
    conda:
        CONDA_ENV
    resources:
        **job_resources("small"),
    params:
        **figure_params("scripts/htf/plot_htf_dynamics.py"),
        specs={m: htf_spec(m) for m in HTF_MODELS},
        start_iters={m: HTF_DYN[m]["plot_start_iter"] for m in HTF_MODELS},
        half_rise=HTF_DYN["claim_half_rise"],
        min_rel_error_drop=HTF_DYN["claim_min_rel_error_drop"],
        stop_loss=HTF_DYN["stop_loss"],
        max_steps=HTF_DYN["max_steps"],
        data_seeds=HTF_DYN["data_seeds"],
        target_norm=HTF_DYN["target_norm"],
    script:
        "../../scripts/htf/plot_htf_dynamics.py"


rule plot_htf_appendix:
    input:
        history=htf_histories("ht"),
    output:
        **figure_outputs(
            "htf/ht_local_components_matricizations",
            table="results/htf/dynamics/appendix_table.csv",
        ),
    log:
        "logs/plot_htf_appendix/plot.log",
    conda:
        CONDA_ENV
    resources:
        **job_resources("small"),
    params:
        **figure_params("scripts/htf/plot_htf_appendix.py"),
        order=HTF_DYN["ht"]["order"],
        node=HTF_DYN["appendix_node"],
        node_rank=htf_node_rank(HTF_DYN["appendix_node"]),
        n_entries=HTF_DYN["ht"]["dim"] ** HTF_DYN["ht"]["order"],
        stop_loss=HTF_DYN["stop_loss"],
        matricizations=HTF_DYN["matricizations"],
        start_iter=HTF_DYN["ht"]["plot_start_iter"],
        rel_threshold=HTF_DYN["claim_rel_threshold"],
        half_rise=HTF_DYN["claim_half_rise"],
        max_steps=HTF_DYN["max_steps"],
        spec=htf_spec("ht"),
        data_seeds=HTF_DYN["data_seeds"],
        target_norm=HTF_DYN["target_norm"],
    script:
        "../../scripts/htf/plot_htf_appendix.py"


# How often each statement of the dynamics figure and its appendix holds (issue 30): the same training at other
# instances (htf.robustness), then each figure's own claims on each instance alone, per model.
use rule train_htf_dynamics as train_htf_robustness with:
    output:
        history="results/htf/robustness/data{dseed}/{model}/history.npz",
    log:
        "logs/train_htf_robustness/{model}_data{dseed}.log",
    benchmark:
        "benchmarks/out/train_htf_robustness/{model}_data{dseed}.tsv"


rule robustness_htf:
    input:
        mf=htf_robustness_histories("mf"),
        cp=htf_robustness_histories("cp"),
        ht=htf_robustness_histories("ht"),
    output:
        **robustness_outputs("htf"),
    log:
        "logs/robustness_htf/robustness.log",
    conda:
        CONDA_ENV
    resources:
        **job_resources("small"),
    params:
        code=lib_code("scripts/htf/robustness_htf.py"),
        data_seeds={m: htf_robustness_seeds(m) for m in HTF_MODELS},
        # the claim settings of the two figures, taken from their rules
        specs=rules.plot_htf_dynamics.params.specs,
        target_norm=rules.plot_htf_dynamics.params.target_norm,
        stop_loss=rules.plot_htf_dynamics.params.stop_loss,
        max_steps=rules.plot_htf_dynamics.params.max_steps,
        half_rise=rules.plot_htf_dynamics.params.half_rise,
        min_rel_error_drop=rules.plot_htf_dynamics.params.min_rel_error_drop,
        node=rules.plot_htf_appendix.params.node,
        node_rank=rules.plot_htf_appendix.params.node_rank,
        matricizations=rules.plot_htf_appendix.params.matricizations,
        n_entries=rules.plot_htf_appendix.params.n_entries,
        rel_threshold=rules.plot_htf_appendix.params.rel_threshold,
        preset=PRESET,
        # the two figures' ids, findings and untestable claims: the plot rules' (not derived from this rule's outputs)
        figures={
            "dynamics": rules.plot_htf_dynamics.params.figure,
            "appendix": rules.plot_htf_appendix.params.figure,
        },
        findings={
            rules.plot_htf_dynamics.params.figure: rules.plot_htf_dynamics.params.findings,
            rules.plot_htf_appendix.params.figure: rules.plot_htf_appendix.params.findings,
        },
        untestable={
            rules.plot_htf_dynamics.params.figure: rules.plot_htf_dynamics.params.untestable,
            rules.plot_htf_appendix.params.figure: rules.plot_htf_appendix.params.untestable,
        },
    script:
        "../../scripts/htf/robustness_htf.py"

# The tf paper (ICML 2021): Fig. 4 (tensor rank of natural data).


include: "tf_helpers.smk"


rule train_tf_natural:
    input:
        manifest=lambda wc: data_manifest(wc.dataset),
        files=lambda wc: data_files(wc.dataset),
    output:
        metrics="results/tf/natural/{dataset}/{variant}/metrics.json",
    log:
        "logs/train_tf_natural/{dataset}_{variant}.log",
    benchmark:
        "benchmarks/out/train_tf_natural/{dataset}_{variant}.tsv"
    conda:
        CONDA_ENV
    threads: job_threads("train_tf_natural")
    resources:
        **job_resources("train_tf_natural", gpu=True),
    params:
        code=lib_code("scripts/tf/train_tf_natural.py"),
        compute_threads=compute_threads("train_tf_natural"),
        dataset=lambda wc: wc.dataset,
        variant=lambda wc: wc.variant,
        data_seed=TF_NAT["seed"],
        n_train=TF_NAT["n_train"],
        n_test=TF_NAT["n_test"],
        train=pick(TF_NAT, TF_NAT_TRAIN) | {"device": CFG["device"]},
    script:
        "../../scripts/tf/train_tf_natural.py"


rule plot_tf_natural:
    input:
        metrics=expand(
            "results/tf/natural/{dataset}/{variant}/metrics.json",
            dataset=TF_NAT["datasets"],
            variant=TF_NAT["variants"],
        ),
    output:
        **figure_outputs(
            "tf/tensor_rank_natural_data", table="results/tf/natural/figure_table.csv"
        ),
    log:
        "logs/plot_tf_natural/plot.log",
    conda:
        CONDA_ENV
    resources:
        **job_resources("small"),
    params:
        **figure_params("scripts/tf/plot_tf_natural.py"),
    script:
        "../../scripts/tf/plot_tf_natural.py"


rule train_tf_dynamics:
    output:
        history="results/tf/dynamics/data{dseed}/history.npz",
    log:
        "logs/train_tf_dynamics/data{dseed}.log",
    benchmark:
        "benchmarks/out/train_tf_dynamics/data{dseed}.tsv"
    wildcard_constraints:
        dseed=r"\d+",
    conda:
        CONDA_ENV
    threads: job_threads("train_tf_dynamics")
    resources:
        **job_resources("train_tf_dynamics", gpu=True),
    params:
        code=lib_code("scripts/tf/train_tf_dynamics.py"),
        compute_threads=compute_threads("train_tf_dynamics"),
        data=lambda wc: tf_dynamics_data(wc.dseed),
        init_stds=TF_DYN["init_stds"],
        seeds=TF_DYN["init_seeds"],
        train=pick(TF_DYN, TF_DYN_TRAIN),
        dtype=TF_DYN["dtype"],
        device=CFG["device"],
    script:
        "../../scripts/tf/train_tf_dynamics.py"


rule plot_tf_dynamics:
    input:
        history=expand(
            "results/tf/dynamics/data{dseed}/history.npz", dseed=TF_DYN["data_seeds"]
        ),
    output:
        **figure_outputs("tf/cp_dynamics", table="results/tf/dynamics/figure_table.csv"),
    log:
        "logs/plot_tf_dynamics/plot.log",
    conda:
        CONDA_ENV
    resources:
        **job_resources("small"),
    params:
        **figure_params("scripts/tf/plot_tf_dynamics.py"),
        target_rank=TF_DYN["target_rank"],
        threshold=TF_DYN["claim_norm_threshold"],
        data_seeds=TF_DYN["data_seeds"],
        init_stds=TF_DYN["init_stds"],
        final_error_factor=TF_DYN["claim_final_error_factor"],
        order=len(TF_DYN["shape"]),
        log_every=TF_DYN["log_every"],
        min_loss=TF_DYN["plot_min_loss"],
        stop_loss=TF_DYN["stop_loss"],
    script:
        "../../scripts/tf/plot_tf_dynamics.py"


# How often each statement of the dynamics figure holds (issue 30): the same training at other instances and
# observation counts, then the figure's own claims on each instance alone.
use rule train_tf_dynamics as train_tf_robustness with:
    output:
        history="results/tf/robustness/obs{nobs}/data{dseed}/history.npz",
    log:
        "logs/train_tf_robustness/obs{nobs}_data{dseed}.log",
    benchmark:
        "benchmarks/out/train_tf_robustness/obs{nobs}_data{dseed}.tsv"
    wildcard_constraints:
        nobs=r"\d+",
        dseed=r"\d+",
    params:
        **{
            **dict(rules.train_tf_dynamics.params.items()),
            "data": lambda wc: tf_dynamics_data(wc.dseed, wc.nobs),
        },


rule robustness_tf:
    input:
        history=expand(
            "results/tf/robustness/obs{nobs}/data{dseed}/history.npz",
            nobs=TF_ROB["num_samples"],
            dseed=TF_ROB["data_seeds"],
        ),
    output:
        **robustness_outputs("tf"),
    log:
        "logs/robustness_tf/robustness.log",
    conda:
        CONDA_ENV
    resources:
        **job_resources("small"),
    params:
        # the figure's claim settings, its id, untestable and findings included (the plotted figure's, set by
        # plot_tf_dynamics' figure_outputs, not derived from this rule's outputs)
        **{
            k: v
            for k, v in dict(rules.plot_tf_dynamics.params.items()).items()
            if k not in ("code", "data_seeds")
        },
        code=lib_code("scripts/tf/robustness_tf.py"),
        num_samples=TF_ROB["num_samples"],
        data_seeds=TF_ROB["data_seeds"],
    script:
        "../../scripts/tf/robustness_tf.py"

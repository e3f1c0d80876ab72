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
        train={
            "ranks": TF_NAT["ranks"],
            "classes": TF_NAT["positive_labels"],
            "epochs": TF_NAT["epochs"],
            "batch_size": TF_NAT["batch_size"],
            "lr": TF_NAT["lr"],
            "init_mean": TF_NAT["init_mean"],
            "init_std": TF_NAT["init_std"],
            "pos_value": TF_NAT["positive_value"],
            "neg_value": TF_NAT["negative_value"],
            "eval_every": TF_NAT["eval_every"],
            "seed": TF_NAT["seed"],
            "dtype": TF_NAT["dtype"],
            "device": CFG["device"],
        },
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
        pdf="figures/tf/tensor_rank_natural_data.pdf",
        png=report(
            "figures/tf/tensor_rank_natural_data.png",
            caption="../report/tf_natural.rst",
            category="tf",
            subcategory="Fig. 4",
        ),
        claims="figures/tf/tensor_rank_natural_data.claims.json",
        table="results/tf/natural/figure_table.csv",
    log:
        "logs/plot_tf_natural/plot.log",
    conda:
        CONDA_ENV
    threads: job_threads("small")
    resources:
        **job_resources("small"),
    params:
        code=lib_code("scripts/tf/plot_tf_natural.py"),
        preset=PRESET,
        figure="tf/tensor_rank_natural_data",
        untestable=untestable_of("tf/tensor_rank_natural_data"),
        findings=findings_of("tf/tensor_rank_natural_data"),
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
        train={
            "R": TF_DYN["components"],
            "loss": TF_DYN["loss"],
            "huber_beta": TF_DYN["huber_beta"],
            "optimizer": TF_DYN["optimizer"],
            "lr": TF_DYN["lr"],
            "beta": TF_DYN["beta"],
            "eps": TF_DYN["eps"],
            "max_steps": TF_DYN["max_steps"],
            "check_every": TF_DYN["check_every"],
            "stop_loss": TF_DYN["stop_loss"],
            "stop_patience": TF_DYN["stop_patience"],
            "log_every": TF_DYN["log_every"],
            "top_k": TF_DYN["top_k"],
        },
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
        pdf="figures/tf/cp_dynamics.pdf",
        png=report(
            "figures/tf/cp_dynamics.png",
            caption="../report/tf_dynamics.rst",
            category="tf",
            subcategory="Fig. 3",
        ),
        claims="figures/tf/cp_dynamics.claims.json",
        table="results/tf/dynamics/figure_table.csv",
    log:
        "logs/plot_tf_dynamics/plot.log",
    conda:
        CONDA_ENV
    threads: job_threads("small")
    resources:
        **job_resources("small"),
    params:
        code=lib_code("scripts/tf/plot_tf_dynamics.py"),
        target_rank=TF_DYN["target_rank"],
        threshold=TF_DYN["claim_norm_threshold"],
        data_seeds=TF_DYN["data_seeds"],
        init_stds=TF_DYN["init_stds"],
        final_error_factor=TF_DYN["claim_final_error_factor"],
        order=len(TF_DYN["shape"]),
        log_every=TF_DYN["log_every"],
        min_loss=TF_DYN["plot_min_loss"],
        stop_loss=TF_DYN["stop_loss"],
        preset=PRESET,
        figure="tf/cp_dynamics",
        untestable=untestable_of("tf/cp_dynamics"),
        findings=findings_of("tf/cp_dynamics"),
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
        pdf="figures/tf/robustness.pdf",
        png="figures/tf/robustness.png",
        summary="figures/tf/robustness.json",
        rates="results/tf/robustness/rates.csv",
        outcomes="results/tf/robustness/outcomes.csv",
    log:
        "logs/robustness_tf/robustness.log",
    conda:
        CONDA_ENV
    threads: job_threads("small")
    resources:
        **job_resources("small"),
    params:
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

# The tf paper (ICML 2021): Fig. 3 (tensor rank of natural data).


rule train_tf_natural:
    input:
        manifest="results/data/{dataset}/manifest.json",
    output:
        metrics="results/tf/natural/{dataset}/{variant}/metrics.json",
    log:
        "logs/train_tf_natural/{dataset}_{variant}.log",
    benchmark:
        "benchmarks/out/train_tf_natural/{dataset}_{variant}.tsv"
    conda:
        CONDA_ENV
    threads: 1
    resources:
        mem_mb=3000,
        runtime=600,
    params:
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
        "../../scripts/train_tf_natural.py"


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
            subcategory="Fig. 3",
        ),
        claims="figures/tf/tensor_rank_natural_data.claims.json",
        table="results/tf/natural/figure_table.csv",
    log:
        "logs/plot_tf_natural/plot.log",
    conda:
        CONDA_ENV
    params:
        epochs=TF_NAT["epochs"],
        min_epochs=TF_NAT["claims_min_epochs"],
        preset=PRESET,
        figure="tf/tensor_rank_natural_data",
    script:
        "../../scripts/plot_tf_natural.py"

# Dataset acquisition and synthetic data generation.


rule make_tc_target:
    output:
        target="results/norms/tc/{exp}/target.npz",
    log:
        "logs/make_tc_target/{exp}.log",
    conda:
        CONDA_ENV
    threads: job_threads("small")
    resources:
        **job_resources("small"),
    params:
        order=lambda wc: TC_EXPERIMENTS[wc.exp]["order"],
        dim=lambda wc: TC_EXPERIMENTS[wc.exp]["dim"],
        rank=lambda wc: TC_EXPERIMENTS[wc.exp]["target_rank"],
        seed=lambda wc: TC_EXPERIMENTS[wc.exp]["target_seed"],
    script:
        "../../scripts/norms/make_tc_target.py"


if TF_NAT["source"] == "fake":

    rule make_fake_idx:
        output:
            manifest="results/data/{dataset}/manifest.json",
        log:
            "logs/make_fake_idx/{dataset}.log",
        conda:
            CONDA_ENV
        threads: job_threads("small")
        resources:
            **job_resources("small"),
        params:
            dataset=lambda wc: wc.dataset,
            n_train=2000,
            n_test=500,
            seed=TF_NAT["seed"],
        script:
            "../../scripts/core/make_fake_idx.py"

else:

    rule fetch_dataset:
        output:
            manifest="results/data/{dataset}/manifest.json",
        log:
            "logs/fetch_dataset/{dataset}.log",
        conda:
            CONDA_ENV
        threads: job_threads("small")
        resources:
            **job_resources("small"),
        params:
            dataset=lambda wc: wc.dataset,
            data_dir=TF_NAT["data_dir"],
            download=TF_NAT["download"],
        script:
            "../../scripts/core/fetch_dataset.py"

    # Downloads run where the workflow is started: cluster nodes are often offline.
    localrules:
        fetch_dataset,

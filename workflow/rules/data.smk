# Dataset acquisition and synthetic data generation.


rule make_tc_target:
    input:
        unpack(tc_instance_input),
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
        code=lib_code("scripts/norms/make_tc_target.py"),
        instance=TC["instance"],
        order=lambda wc: tc_exp(wc.exp)["order"],
        dim=lambda wc: tc_exp(wc.exp)["dim"],
        rank=lambda wc: tc_exp(wc.exp)["target_rank"],
        seed=lambda wc: tc_target_seed(wc.exp),
    script:
        "../../scripts/norms/make_tc_target.py"


# Fake (smoke) and real IDX files live in different folders (results/data/fake|real/<dataset>/), so a preset
# switch never meets the other kind's files. The four files are outputs too: deleting one reruns the step.
rule make_fake_idx:
    output:
        manifest="results/data/fake/{dataset}/manifest.json",
        files=expand("results/data/fake/{{dataset}}/{f}", f=_smk.IDX_FILES),
    log:
        "logs/make_fake_idx/{dataset}.log",
    conda:
        CONDA_ENV
    threads: job_threads("small")
    resources:
        **job_resources("small"),
    params:
        code=lib_code("scripts/core/make_fake_idx.py"),
        dataset=lambda wc: wc.dataset,
        n_train=2000,
        n_test=500,
        seed=TF_NAT["seed"],
    script:
        "../../scripts/core/make_fake_idx.py"


rule fetch_dataset:
    output:
        manifest="results/data/real/{dataset}/manifest.json",
        files=expand("results/data/real/{{dataset}}/{f}", f=_smk.IDX_FILES),
    log:
        "logs/fetch_dataset/{dataset}.log",
    conda:
        CONDA_ENV
    threads: job_threads("small")
    resources:
        **job_resources("small"),
    params:
        code=lib_code("scripts/core/fetch_dataset.py"),
        dataset=lambda wc: wc.dataset,
        data_dir=TF_NAT["data_dir"],
        download=TF_NAT["download"],
    script:
        "../../scripts/core/fetch_dataset.py"


# Downloads run where the workflow is started: cluster nodes are often offline.
localrules:
    fetch_dataset,

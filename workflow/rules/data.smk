# Dataset acquisition and synthetic data generation. The MNIST / Fashion-MNIST settings (source, data_dir,
# download) are tf.natural's: Fig. 4 is their user, and htf's Is-Same-Class substitutes reuse its files.

DATA_SOURCE = TF_NAT["source"]  # idx (the real files) | fake (smoke's look-alikes)


def data_manifest(dataset):
    """results/data/{fake|real}/<dataset>/manifest.json: smoke's fake files never sit where real ones go."""
    return _smk.data_manifest(DATA_SOURCE, dataset)


def data_files(dataset):
    """The dataset's four IDX files: inputs too, so deleting a damaged one reruns the data step."""
    return _smk.data_files(DATA_SOURCE, dataset)


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

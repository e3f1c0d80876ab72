# Dataset acquisition and synthetic data generation.


rule make_tc_target:
    output:
        target="results/norms/tc/{exp}/target.npz",
    log:
        "logs/make_tc_target/{exp}.log",
    conda:
        CONDA_ENV
    params:
        order=lambda wc: TC_EXPERIMENTS[wc.exp]["order"],
        dim=lambda wc: TC_EXPERIMENTS[wc.exp]["dim"],
        rank=lambda wc: TC_EXPERIMENTS[wc.exp]["target_rank"],
        seed=lambda wc: TC_EXPERIMENTS[wc.exp]["target_seed"],
    script:
        "../../scripts/make_tc_target.py"

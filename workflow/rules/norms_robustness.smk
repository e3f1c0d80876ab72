# The norms paper's robustness target (issue 30): figures/norms/robustness.pdf. Included after norms.smk, whose
# make_tc_target it reuses; its config, paths and target list are in norms_helpers.smk.
#
# How often the statements hold: Fig. 2's training, measures and claims on seeded target instances
# (seeds of norms.robustness.tc, never the figures'), and Fig. 1's problem over an (init, lr) grid against the
# gradient flow. The existing rules are reused as they are, only their paths and the instance's seed changed.
# Targets are always seeded draws, whatever norms.tc.instance says for the figures (the paper's own instance is one
# tensor); robustness_norms refuses two target seeds that gave the same tensor.
use rule make_tc_target as make_tc_robustness_target with:
    input:
        unpack(lambda wc: {}),
    output:
        target="results/norms/robustness/tc/{exp}/target{tseed}/target.npz",
    log:
        "logs/make_tc_robustness_target/{exp}_target{tseed}.log",
    wildcard_constraints:
        tseed=r"\d+",
    params:
        **{
            **dict(rules.make_tc_target.params.items()),
            "instance": "seeded",
            "seed": lambda wc: int(wc.tseed),
        },


use rule train_tc as train_tc_robustness with:
    input:
        target="results/norms/robustness/tc/{exp}/target{tseed}/target.npz",
    output:
        runs="results/norms/robustness/tc/{exp}/target{tseed}/init{init}/runs.npz",
    log:
        "logs/train_tc_robustness/{exp}_target{tseed}_init{init}.log",
    benchmark:
        "benchmarks/out/train_tc_robustness/{exp}_target{tseed}_init{init}.tsv"
    wildcard_constraints:
        tseed=r"\d+",


use rule measure_tc as measure_tc_robustness with:
    input:
        target="results/norms/robustness/tc/{exp}/target{tseed}/target.npz",
        runs="results/norms/robustness/tc/{exp}/target{tseed}/init{init}/runs.npz",
    output:
        table="results/norms/robustness/tc/{exp}/target{tseed}/init{init}/metrics.csv",
    log:
        "logs/measure_tc_robustness/{exp}_target{tseed}_init{init}.log",
    benchmark:
        "benchmarks/out/measure_tc_robustness/{exp}_target{tseed}_init{init}.tsv"
    wildcard_constraints:
        tseed=r"\d+",


use rule measure_tc_linear as measure_tc_linear_robustness with:
    input:
        target="results/norms/robustness/tc/{exp}/target{tseed}/target.npz",
    output:
        table="results/norms/robustness/tc/{exp}/target{tseed}/linear.csv",
    log:
        "logs/measure_tc_linear_robustness/{exp}_target{tseed}.log",
    benchmark:
        "benchmarks/out/measure_tc_linear_robustness/{exp}_target{tseed}.tsv"
    wildcard_constraints:
        tseed=r"\d+",


use rule train_dmf as train_dmf_robustness with:
    output:
        history="results/norms/robustness/dmf/{setting}/depth{depth}/history.npz",
    log:
        "logs/train_dmf_robustness/{setting}_depth{depth}.log",
    benchmark:
        "benchmarks/out/train_dmf_robustness/{setting}_depth{depth}.tsv"
    wildcard_constraints:
        setting="main",
        depth=r"\d+",
    resources:
        **job_resources("dmf_robustness"),
    params:
        **{
            **dict(rules.train_dmf.params.items()),
            "runs": NORMS_ROB_DMF_RUNS,
            "train": {
                **rules.train_dmf.params.train,
                "stop_loss": NORMS_ROB_DMF["level"],
                "max_steps": NORMS_ROB_DMF["max_steps"],
                "log_every": NORMS_ROB_DMF["log_every"],
            },
        },


rule solve_dmf_robustness_flow:
    input:
        history="results/norms/robustness/dmf/{setting}/depth{depth}/history.npz",
    output:
        table="results/norms/robustness/dmf/{setting}/depth{depth}/flow_at_level.json",
    log:
        "logs/solve_dmf_robustness_flow/{setting}_depth{depth}.log",
    benchmark:
        "benchmarks/out/solve_dmf_robustness_flow/{setting}_depth{depth}.tsv"
    wildcard_constraints:
        setting="main",
        depth=r"\d+",
    conda:
        CONDA_ENV
    resources:
        **job_resources("dmf_robustness"),
    params:
        code=lib_code("scripts/norms/solve_dmf_robustness_flow.py"),
        depth=lambda wc: int(wc.depth),
        observations=lambda wc: DMF_SETTINGS[wc.setting]["observations"],
        det_sign=lambda wc: DMF_SETTINGS[wc.setting]["det_sign"],
        init_scale_mode=DMF["init_scale_mode"],
        level=NORMS_ROB_DMF["level"],
        flow={k: DMF["flow"][k] for k in ("method", "rtol", "atol")},
    script:
        "../../scripts/norms/solve_dmf_robustness_flow.py"


rule robustness_norms:
    input:
        tc_runs=norms_rob_tc("init{init}/metrics.csv"),
        tc_linear=norms_rob_tc("linear.csv"),
        tc_targets=norms_rob_tc("target.npz"),
        dmf=f"results/norms/robustness/dmf/main/depth{NORMS_ROB_DMF['depth']}/flow_at_level.json",
    output:
        **robustness_outputs("norms"),
    log:
        "logs/robustness_norms/robustness.log",
    conda:
        CONDA_ENV
    resources:
        **job_resources("small"),
    params:
        code=lib_code("scripts/norms/robustness_norms.py"),
        tc=_norms_tc_robustness_claim_params(),
        tc_experiment=NORMS_ROB_TC["experiment"],
        target_seeds=NORMS_ROB_TC["target_seeds"],
        dmf={
            **{
                k: NORMS_ROB_DMF[k]
                for k in ("depth", "level", "inits", "lrs", "balanced", "seeds")
            },
            "departure_rtol": DMF["flow"]["departure_rtol"],
            "figure": f"norms/dmf_unobserved_entry_depth{NORMS_ROB_DMF['depth']}",
        },
        preset=PRESET,
    script:
        "../../scripts/norms/robustness_norms.py"

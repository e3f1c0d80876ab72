# The norms paper (NeurIPS 2020): Fig. 1 + companion, appendix A (DMF), Fig. 2 + appendix B (TC).


include: "norms_helpers.smk"


rule train_dmf:
    output:
        history="results/norms/dmf/{setting}/depth{depth}/history.npz",
    log:
        "logs/train_dmf/{setting}_depth{depth}.log",
    benchmark:
        "benchmarks/out/train_dmf/{setting}_depth{depth}.tsv"
    conda:
        CONDA_ENV
    threads: job_threads("train_dmf")
    resources:
        **job_resources("train_dmf"),
    params:
        code=lib_code("scripts/norms/train_dmf.py"),
        compute_threads=compute_threads("train_dmf"),
        depth=lambda wc: int(wc.depth),
        observations=lambda wc: DMF_SETTINGS[wc.setting]["observations"],
        det_sign=lambda wc: DMF_SETTINGS[wc.setting]["det_sign"],
        runs=lambda wc: dmf_runs(wc.setting, wc.depth),
        train=pick(DMF, DMF_TRAIN),
    script:
        "../../scripts/norms/train_dmf.py"


rule solve_dmf_flow:
    input:
        history=rules.train_dmf.output.history,
    output:
        table="results/norms/dmf/{setting}/depth{depth}/flow.csv",
        summary="results/norms/dmf/{setting}/depth{depth}/flow_summary.json",
    log:
        "logs/solve_dmf_flow/{setting}_depth{depth}.log",
    benchmark:
        "benchmarks/out/solve_dmf_flow/{setting}_depth{depth}.tsv"
    conda:
        CONDA_ENV
    resources:
        **job_resources("small"),
    params:
        code=lib_code("scripts/norms/solve_dmf_flow.py"),
        depth=lambda wc: int(wc.depth),
        observations=lambda wc: DMF_SETTINGS[wc.setting]["observations"],
        det_sign=lambda wc: DMF_SETTINGS[wc.setting]["det_sign"],
        init_scale_mode=DMF["init_scale_mode"],
        stop_loss=DMF["stop_loss"],
        flow=DMF["flow"],
    script:
        "../../scripts/norms/solve_dmf_flow.py"


rule measure_dmf:
    input:
        history=rules.train_dmf.output.history,
    output:
        table="results/norms/dmf/{setting}/depth{depth}/metrics.csv",
        summary="results/norms/dmf/{setting}/depth{depth}/summary.json",
    log:
        "logs/measure_dmf/{setting}_depth{depth}.log",
    conda:
        CONDA_ENV
    resources:
        **job_resources("small"),
    params:
        code=lib_code("scripts/norms/measure_dmf.py"),
        schatten_p=DMF["schatten_p"],
    script:
        "../../scripts/norms/measure_dmf.py"


rule plot_dmf_entry:
    input:
        table="results/norms/dmf/main/depth{depth}/metrics.csv",
        summary="results/norms/dmf/main/depth{depth}/summary.json",
        flow_table="results/norms/dmf/main/depth{depth}/flow.csv",
        flow_summary="results/norms/dmf/main/depth{depth}/flow_summary.json",
    output:
        **figure_outputs("norms/dmf_unobserved_entry_depth{depth}"),
    log:
        "logs/plot_dmf_entry/depth{depth}.log",
    conda:
        CONDA_ENV
    resources:
        **job_resources("small"),
    params:
        **figure_params("scripts/norms/plot_dmf_entry.py"),
        depth=lambda wc: int(wc.depth),
        stop_loss=DMF["stop_loss"],
        observations=DMF["main_observations"],
        det_sign=DMF["main_det_sign"],
        departure_rtol=DMF["flow"]["departure_rtol"],
        runs=lambda wc: dmf_runs("main", int(wc.depth)),
    script:
        "../../scripts/norms/plot_dmf_entry.py"


rule plot_dmf_norms:
    input:
        tables=expand(
            "results/norms/dmf/main/depth{depth}/metrics.csv", depth=DMF_DEPTHS
        ),
        summaries=expand(
            "results/norms/dmf/main/depth{depth}/summary.json", depth=DMF_DEPTHS
        ),
    output:
        **figure_outputs("norms/dmf_norms_rank"),
    log:
        "logs/plot_dmf_norms/plot.log",
    conda:
        CONDA_ENV
    resources:
        **job_resources("small"),
    params:
        **figure_params("scripts/norms/plot_dmf_norms.py"),
        depths=DMF_DEPTHS,
        stop_loss=DMF["stop_loss"],
        schatten_p=DMF["schatten_p"],
        observations=DMF["main_observations"],
    script:
        "../../scripts/norms/plot_dmf_norms.py"


rule plot_dmf_perturbed:
    input:
        tables=dmf_perturbed("metrics.csv"),
        summaries=dmf_perturbed("summary.json"),
        flow_tables=dmf_perturbed("flow.csv"),
        flow_summaries=dmf_perturbed("flow_summary.json"),
    output:
        **figure_outputs("norms/dmf_perturbed_unobserved_entry_depth{depth}"),
    log:
        "logs/plot_dmf_perturbed/depth{depth}.log",
    conda:
        CONDA_ENV
    resources:
        **job_resources("small"),
    params:
        **figure_params("scripts/norms/plot_dmf_perturbed.py"),
        depth=lambda wc: int(wc.depth),
        epsilons=DMF["perturbed_epsilons"],
        observations=DMF["perturbed_observations"],
        stop_loss=DMF["stop_loss"],
        det_sign=DMF["perturbed_det_sign"],
        departure_rtol=DMF["flow"]["departure_rtol"],
        runs=lambda wc: dmf_runs("perturbed", int(wc.depth)),
    script:
        "../../scripts/norms/plot_dmf_perturbed.py"


# The target tensor of one tensor-completion experiment: the paper's own instance, or a seeded draw.
rule make_tc_target:
    input:
        unpack(tc_instance_input),
    output:
        target="results/norms/tc/{exp}/target.npz",
    log:
        "logs/make_tc_target/{exp}.log",
    conda:
        CONDA_ENV
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


rule train_tc:
    input:
        target="results/norms/tc/{exp}/target.npz",
    output:
        runs="results/norms/tc/{exp}/init{init}/runs.npz",
    log:
        "logs/train_tc/{exp}_init{init}.log",
    benchmark:
        "benchmarks/out/train_tc/{exp}_init{init}.tsv"
    conda:
        CONDA_ENV
    threads: job_threads("train_tc")
    resources:
        **job_resources("train_tc", gpu=True),
    params:
        code=lib_code("scripts/norms/train_tc.py"),
        compute_threads=compute_threads("train_tc"),
        init_std=lambda wc: float(wc.init),
        init_index=lambda wc: [fmt_num(i) for i in TC["init_stds"]].index(wc.init),
        num_observations=lambda wc: tc_exp(wc.exp)["num_observations"],
        repetitions=TC["repetitions"],
        seed=TC["seed"],
        train=lambda wc: pick(TC, TC_TRAIN) | {"max_steps": tc_max_steps(wc.exp)},
        dtype=TC["dtype"],
        device=CFG["device"],
    script:
        "../../scripts/norms/train_tc.py"


rule measure_tc:
    input:
        target="results/norms/tc/{exp}/target.npz",
        runs=rules.train_tc.output.runs,
    output:
        table="results/norms/tc/{exp}/init{init}/metrics.csv",
    log:
        "logs/measure_tc/{exp}_init{init}.log",
    benchmark:
        "benchmarks/out/measure_tc/{exp}_init{init}.tsv"
    conda:
        CONDA_ENV
    threads: job_threads("measure_tc")
    resources:
        **job_resources("measure_tc"),
    params:
        code=lib_code("scripts/norms/measure_tc.py"),
        compute_threads=compute_threads("measure_tc"),
        cp_rank=TC["cp_rank"],
    script:
        "../../scripts/norms/measure_tc.py"


rule measure_tc_linear:
    input:
        target="results/norms/tc/{exp}/target.npz",
    output:
        table="results/norms/tc/{exp}/linear.csv",
    log:
        "logs/measure_tc_linear/{exp}.log",
    benchmark:
        "benchmarks/out/measure_tc_linear/{exp}.tsv"
    conda:
        CONDA_ENV
    threads: job_threads("measure_tc")
    resources:
        **job_resources("measure_tc"),
    params:
        code=lib_code("scripts/norms/measure_tc_linear.py"),
        compute_threads=compute_threads("measure_tc"),
        num_observations=lambda wc: tc_exp(wc.exp)["num_observations"],
        cp_rank=TC["cp_rank"],
    script:
        "../../scripts/norms/measure_tc_linear.py"


rule plot_tc:
    input:
        runs=lambda wc: expand(
            "results/norms/tc/{exp}/init{init}/metrics.csv",
            exp=wc.exp,
            init=[fmt_num(i) for i in tc_init_stds(wc.exp)],
        ),
        linear="results/norms/tc/{exp}/linear.csv",
    output:
        **figure_outputs("norms/tc_{exp}"),
    log:
        "logs/plot_tc/{exp}.log",
    conda:
        CONDA_ENV
    resources:
        **job_resources("small"),
    params:
        **figure_params("scripts/norms/plot_tc.py"),
        init_stds=lambda wc: tc_init_stds(wc.exp),
        order=lambda wc: tc_exp(wc.exp)["order"],
        dim=lambda wc: tc_exp(wc.exp)["dim"],
        target_rank=lambda wc: tc_exp(wc.exp)["target_rank"],
        rank_from=lambda wc: tc_exp(wc.exp)["claim_rank_from"],
        error_from=lambda wc: tc_exp(wc.exp)["claim_error_from"],
        error_factor=lambda wc: tc_exp(wc.exp)["claim_error_factor"],
        init_ordering=lambda wc: tc_exp(wc.exp)["claim_init_ordering"],
        max_steps=lambda wc: tc_max_steps(wc.exp),
        grid=lambda wc: {
            "num_observations": tc_exp(wc.exp)["num_observations"],
            "repetitions": TC["repetitions"],
            "init_stds": tc_init_stds(wc.exp),
        },
        instance=lambda wc: tc_instance(wc.exp),
    script:
        "../../scripts/norms/plot_tc.py"

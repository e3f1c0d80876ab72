# The htf paper (ICML 2022), locality experiments: Is-Same-Class and Pathfinder with a ResNet, test accuracy
# against distance / path length for several IGC regularisation coefficients (the paper's locality figure).
# Helpers (LOC_*, loc_*) are in htf_locality_helpers.smk; knobs in config.yaml's htf.locality block.
#
# Order: data -> the calibration runs (baseline at the shortest and longest setting, first seed) -> the
# calibration check -> every other (setting, lam, seed) run -> one figure per task (+ CSV + claims).


include: "htf_locality_helpers.smk"


rule make_is_same_class:
    input:
        # The substitute sources come verified (or faked, in smoke) from the shared dataset step.
        **loc_is_same_inputs(),
    output:
        data=f"{LOC_ROOT}/is_same/data.npz",
    log:
        "logs/make_is_same_class/data.log",
    conda:
        CONDA_ENV
    resources:
        **job_resources("small"),
    params:
        code=lib_code("scripts/htf/make_is_same_class.py"),
        source=HTF_LOC["is_same"]["source"],
        cifar10_dir=HTF_LOC["is_same"]["cifar10_dir"],
        n_train=HTF_LOC["is_same"]["n_train"],
        n_test=HTF_LOC["is_same"]["n_test"],
        seed=HTF_LOC["is_same"]["data_seed"],
    script:
        "../../scripts/htf/make_is_same_class.py"


rule make_pathfinder:
    output:
        data=f"{LOC_ROOT}/pathfinder/L{{length}}/data.npz",
    log:
        "logs/make_pathfinder/L{length}.log",
    benchmark:
        "benchmarks/out/make_pathfinder/L{length}.tsv"
    wildcard_constraints:
        length=r"\d+",
    conda:
        CONDA_ENV
    threads: job_threads("make_pathfinder")
    resources:
        **job_resources("make_pathfinder"),
    params:
        code=lib_code("scripts/htf/make_pathfinder.py"),
        path_length=lambda wc: int(wc.length),
        n_train=HTF_LOC["pathfinder"]["n_train"],
        n_test=HTF_LOC["pathfinder"]["n_test"],
        seed=HTF_LOC["pathfinder"]["data_seed"],
        geometry=HTF_LOC["pathfinder"]["geometry"],
    script:
        "../../scripts/htf/make_pathfinder.py"


rule train_locality:
    input:
        unpack(loc_train_inputs),
    output:
        metrics=f"{LOC_ROOT}/{{task}}/s{{setting}}/lam{{lam}}/seed{{seed}}/metrics.json",
    log:
        "logs/train_locality/{task}_s{setting}_lam{lam}_seed{seed}.log",
    benchmark:
        "benchmarks/out/train_locality/{task}_s{setting}_lam{lam}_seed{seed}.tsv"
    wildcard_constraints:
        task=r"is_same|pathfinder",
        setting=r"\d+",
        lam=r"[0-9.e+-]+",
        seed=r"\d+",
    conda:
        CONDA_ENV
    threads: job_threads("train_locality")
    resources:
        **job_resources("train_locality", gpu=True),
    params:
        code=lib_code("scripts/htf/train_locality.py"),
        compute_threads=compute_threads("train_locality"),
        task=lambda wc: wc.task,
        setting=lambda wc: int(wc.setting),
        lam=lambda wc: float(wc.lam),
        seed=lambda wc: int(wc.seed),
        canvas={
            "height": HTF_LOC["is_same"]["canvas_height"],
            "width": HTF_LOC["is_same"]["canvas_width"],
        },
        model=loc_model_params,
        train=loc_train_params,
    script:
        "../../scripts/htf/train_locality.py"


# The appendix's ResNet34 grid (htf.locality.resnet34_appendix): the same runs with another network.
use rule train_locality as train_locality_resnet34 with:
    input:
        unpack(loc_train_inputs_resnet34),
    output:
        metrics=f"{LOC_ROOT_RESNET34}/{{task}}/s{{setting}}/lam{{lam}}/seed{{seed}}/metrics.json",
    log:
        "logs/train_locality_resnet34/{task}_s{setting}_lam{lam}_seed{seed}.log",
    benchmark:
        "benchmarks/out/train_locality_resnet34/{task}_s{setting}_lam{lam}_seed{seed}.tsv"
    threads: job_threads("train_locality_resnet34")
    resources:
        **job_resources("train_locality_resnet34", gpu=True),
    params:
        **{
            **dict(rules.train_locality.params.items()),
            "model": loc_model_params_resnet34,
        },


rule calibrate_locality:
    input:
        unpack(lambda wc: loc_calibration_runs(wc.task)),
    output:
        calibration=f"{LOC_ROOT}/{{task}}/calibration.json",
    log:
        "logs/calibrate_locality/{task}.log",
    wildcard_constraints:
        task=r"is_same|pathfinder",
    conda:
        CONDA_ENV
    resources:
        **job_resources("small"),
    params:
        code=lib_code("scripts/htf/calibrate_locality.py"),
        task=lambda wc: wc.task,
        threshold=HTF_LOC["calibration"]["threshold"],
        enforce=HTF_LOC["calibration"]["enforce"],
    script:
        "../../scripts/htf/calibrate_locality.py"


use rule calibrate_locality as calibrate_locality_resnet34 with:
    input:
        unpack(lambda wc: loc_calibration_runs(wc.task, "resnet34")),
    output:
        calibration=f"{LOC_ROOT_RESNET34}/{{task}}/calibration.json",
    log:
        "logs/calibrate_locality_resnet34/{task}.log",


# {kind}: a figure's slug after "locality_" (is_same_class, pathfinder_resnet34, ...).
rule plot_locality:
    input:
        metrics=lambda wc: loc_grid_metrics(f"locality_{wc.kind}"),
        calibration=lambda wc: loc_calibration(*loc_task_grid(wc)),
    output:
        **figure_outputs(
            "htf/locality_{kind}", table=f"{LOC_ROOT}/locality_{{kind}}_table.csv"
        ),
    log:
        "logs/plot_locality/locality_{kind}.log",
    wildcard_constraints:
        kind="|".join(s.removeprefix("locality_") for s in LOC_SLUGS),
    conda:
        CONDA_ENV
    resources:
        **job_resources("small"),
    params:
        **figure_params("scripts/htf/plot_locality.py"),
        task=lambda wc: loc_task_grid(wc)[0],
        metric=HTF_LOC["metric"],
        claims=HTF_LOC["claims"],
    script:
        "../../scripts/htf/plot_locality.py"

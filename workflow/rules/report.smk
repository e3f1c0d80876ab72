# The reproduction report (report/index.html), the claims tables of the Snakemake report, and the verdict:
# a failed claim fails the run (config claims_must_pass) after every figure and the report are built.


include: "report_common.smk"


rule claims_table:
    input:
        claims="figures/{paper}/{slug}.claims.json",
    output:
        html=report(
            "report/claims/{paper}/{slug}.html",
            caption="../report/claims.rst",
            category="{paper}",
            subcategory=report_subcategory,
        ),
    log:
        "logs/claims_table/{paper}_{slug}.log",
    wildcard_constraints:
        paper="norms|tf|htf",
        slug=r"[a-z0-9_]+",
    conda:
        CONDA_ENV
    resources:
        **job_resources("small"),
    params:
        code=lib_code("scripts/core/claims_table.py"),
    script:
        "../../scripts/core/claims_table.py"


rule build_report:
    input:
        claims=claims_of(ALL_FIGURES),
        pngs=png_of(ALL_FIGURES),
        deviations=REPORT_DEVIATIONS,
        templates=REPORT_TEMPLATES,
        robustness=[
            f.replace(".pdf", ".json")
            for f in (ROBUSTNESS_FIGURES if CFG["robustness"] else [])
        ],
        # The Snakemake report's claims items, built alongside.
        tables=expand(
            "report/claims/{fig}.html",
            fig=[_figure_id(f) for f in ALL_FIGURES],
        ),
    output:
        html=report(
            "report/index.html",
            caption="../report/reproduction_report.rst",
            category="reproduction report",
        ),
    log:
        "logs/build_report/report.log",
    conda:
        CONDA_ENV
    resources:
        **job_resources("small"),
    params:
        code=lib_code("scripts/core/build_report.py"),
        # A function: the DAG walk happens only when this job is in the DAG.
        benchmarks=lambda wildcards: report_benchmarks(),
        seeds=report_seeds(),
        config_hash=_smk.result_config_hash(CFG),
        preset=PRESET,
    script:
        "../../scripts/core/build_report.py"


rule check_claims:
    input:
        # Short on purpose: this job's inputs are printed when it fails. The report depends on every claims file.
        summary="results/claims_summary.json",
        report="report/index.html",
    output:
        verdict="results/claims_verdict.txt",
    log:
        "logs/check_claims/verdict.log",
    conda:
        CONDA_ENV
    resources:
        **job_resources("small"),
    params:
        code=lib_code("scripts/core/check_claims.py"),
        claims=claims_of(ALL_FIGURES),
        must_pass=CFG.get("claims_must_pass", True),
    script:
        "../../scripts/core/check_claims.py"

# Claims over all figures: one summary of what passed, failed or could not be tested.


rule summarise_claims:
    input:
        claims=claims_of(ALL_FIGURES),
    output:
        summary="results/claims_summary.json",
    log:
        "logs/summarise_claims/summary.log",
    conda:
        CONDA_ENV
    resources:
        **job_resources("small"),
    params:
        code=lib_code("scripts/core/summarise_claims.py"),
    script:
        "../../scripts/core/summarise_claims.py"

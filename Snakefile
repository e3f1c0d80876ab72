# Reproduction of Razin, Maman & Cohen on implicit regularization towards low rank.
#   snakemake --cores 2                         every figure (preset from config.yaml)
#   snakemake --cores 2 --config preset=smoke   the CI-sized version
#   snakemake --cores 2 figures/norms/dmf_unobserved_entry_depth3.pdf
#   snakemake --cores 2 report/index.html       every figure plus the reproduction report
from pathlib import Path

from snakemake.utils import min_version

min_version("9.0")


# Resolved against the repository, so `--directory elsewhere` (used by the smoke test) works too.
configfile: str(Path(workflow.basedir) / "config.yaml")


# The landing page of `snakemake --report report.html`.
report: "workflow/report/workflow.rst"


include: "workflow/rules/common.smk"
include: "workflow/rules/data.smk"
include: "workflow/rules/norms.smk"
include: "workflow/rules/tf.smk"
include: "workflow/rules/htf.smk"
include: "workflow/rules/htf_locality.smk"
include: "workflow/rules/claims.smk"
include: "workflow/rules/report.smk"


rule all:
    default_target: True
    input:
        ALL_FIGURES,
        "results/claims_summary.json",
        "report/index.html",
        # Last: prints the claims summary; fails the run if a claim failed (claims_must_pass).
        "results/claims_verdict.txt",

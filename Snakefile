# Reproduction of Razin, Maman & Cohen on implicit regularization towards low rank.
#   snakemake --cores 2                         every figure (preset from config.yaml)
#   snakemake --cores 2 --config preset=smoke   the CI-sized version
#   snakemake --cores 2 figures/norms/dmf_unobserved_entry_depth3.pdf
#   snakemake --cores 2 report/index.html       every figure plus the reproduction report
#   snakemake --cores 2 --config preset=paper preflight=true   a few timed steps of every heavy job -> table
from pathlib import Path

from snakemake.utils import min_version

min_version("9.0")


# Resolved against the repository, so `--directory elsewhere` (used by the smoke test) works too.
configfile: str(Path(workflow.basedir) / "config.yaml")


# The landing page of `snakemake --report report.html`.
report: "workflow/report/workflow.rst"


# Run from the repository root (or elsewhere with --directory), never from inside it: `cd figures && snakemake
# -s ../Snakefile` would write every output under figures/figures/.
if (
    Path.cwd().resolve() != Path(workflow.basedir).resolve()
    and Path(workflow.basedir).resolve() in Path.cwd().resolve().parents
):
    raise WorkflowError(
        f"snakemake runs in {Path.cwd()}, inside the repository: outputs would land in {Path.cwd().name}/figures/... "
        f"Run it from the repository root ({Path(workflow.basedir).resolve()}), or pass --directory <a folder outside it>."
    )


# common.smk: what every paper uses; then one rule file per paper (each holds its own helpers). data.smk reads
# tf.natural's dataset settings and htf's locality rules use its helpers, so it comes between them.
include: "workflow/rules/common.smk"
include: "workflow/rules/norms.smk"
include: "workflow/rules/tf.smk"
include: "workflow/rules/data.smk"
include: "workflow/rules/htf.smk"
include: "workflow/rules/htf_locality.smk"
include: "workflow/rules/norms_robustness.smk"


ALL_FIGURES = NORMS_FIGURES + TF_FIGURES + HTF_FIGURES + HTF_LOCALITY_FIGURES
# How often each statement holds over many instances (issue 30): own targets, in `all` only when configured.
ROBUSTNESS_FIGURES = NORMS_ROBUSTNESS + TF_ROBUSTNESS + HTF_ROBUSTNESS
# The figures' DAG (what the pre-flight sizes); the last one prints the claims summary and fails the run if a
# claim failed (claims_must_pass).
REAL_TARGETS = [
    *ALL_FIGURES,
    "results/claims_summary.json",
    "report/index.html",
    "results/claims_verdict.txt",
]

try:  # a figure for an unconfigured value, or a finding of a figure not built: stop now, naming them
    _smk.check_figure_targets(_smk.requested_targets(workflow), ALL_FIGURES)
    _smk.check_findings_figures(CFG["findings"], ALL_FIGURES)
except ConfigError as _err:
    raise WorkflowError(str(_err)) from None


# Before the first job: this folder now holds this preset's outputs (results/.preset, checked in common.smk).
onstart:
    if not CFG["preflight"]:
        _smk.mark_folder_preset(PRESET)


# A build of some figures (or of the report) prints their verdict and fails on an undeclared failed claim, as
# the whole DAG does; the figures are kept. `all` has its own verdict job (check_claims).
onsuccess:
    import sys
    from implreg.report.claims import build_verdict, targeted_claims
    from implreg.robustness import terminal_rates

    _targets = [str(t) for t in _smk.requested_targets(workflow) or ()]
    if not CFG["preflight"] and (
        "robustness" in _targets or any(t in ROBUSTNESS_FIGURES for t in _targets)
    ):
        print(
            terminal_rates(
                [f.replace(".pdf", ".json") for f in ROBUSTNESS_FIGURES]
            ),
            flush=True,
        )
    _paths = targeted_claims(_smk.requested_targets(workflow), ALL_FIGURES)
    if _paths and not CFG["preflight"]:
        _text, _code = build_verdict(
            _paths, bool(CFG.get("claims_must_pass", True))
        )
        print(_text, flush=True)
        if _code:
            sys.exit(_code)


include: "workflow/rules/claims.smk"
include: "workflow/rules/report.smk"
include: "workflow/rules/preflight.smk"


rule all:
    default_target: True
    input:
        # preflight=true: only the pre-flight table (no real output is made).
        (
            rules.preflight_table.output
            if CFG["preflight"]
            else [*(ROBUSTNESS_FIGURES if CFG["robustness"] else []), *REAL_TARGETS]
        ),


rule robustness:
    input:
        ROBUSTNESS_FIGURES,

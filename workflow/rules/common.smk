# Preset resolution, validation and target lists shared by every paper's rules.
import os
import re
import sys
from pathlib import Path

# The library is importable without installing it, here and in every job's script (jobs inherit the env).
_SRC = str(Path(workflow.basedir) / "src")
sys.path.insert(0, _SRC)
_ENV = dict(os.environ)
os.environ.update(
    PYTHONPATH=os.pathsep.join(p for p in (_SRC, _ENV.get("PYTHONPATH")) if p)
)

# For `--sdm conda`; ignored otherwise (pip is the default route). Relative to workflow/rules/*.smk.
CONDA_ENV = "../../envs/environment.yml"

from implreg import registry as _registry
from implreg import smk as _smk
from implreg.codehash import lib_code as _lib_code
from implreg.config import untestable_declarations as _untestable_declarations
from implreg.errors import ConfigError

try:
    # --configfile / --config values win over the preset's (each such case is printed as a note).
    CFG = _smk.resolve_workflow_config(config, workflow.config_settings)
except ConfigError as _err:
    raise WorkflowError(str(_err)) from None
# Run-only knobs (checkpoint interval) reach the jobs through the environment: changing them reruns nothing.
_smk.set_run_env(CFG)

PRESET = CFG["preset"]
# {figure id: {claim id: why}} from config's groups by reason (untestable_claims).
_untestable = _untestable_declarations(CFG)

# One folder holds one preset's outputs (output paths do not name it): a run of another preset stops here, before
# it overwrites them or takes them for current. The Snakefile's onstart writes results/.preset (docs/layout.md).
# The pre-flight writes only under results/preflight/<preset>/, so it runs anywhere.
if not CFG["preflight"]:
    try:
        _smk.check_folder_preset(PRESET)
    except ConfigError as _err:
        raise WorkflowError(str(_err)) from None


def fmt_num(x):
    """Stable short text for a number in a path (0.01 -> 0.01, 1e-05 -> 1e-05)."""
    return f"{float(x):g}"


def repo_file(rel):
    """A file of the repository as an input path: relative when Snakemake runs in the repository (so a moved
    checkout reruns nothing), absolute when it runs elsewhere (--directory)."""
    path = Path(workflow.basedir) / rel
    return (
        rel if Path.cwd().resolve() == Path(workflow.basedir).resolve() else str(path)
    )


def lib_code(script):
    """A hash of the library code a rule's script imports (a `params:` entry): editing that code reruns the rule's
    jobs, and only theirs (Snakemake itself tracks the script, not src/implreg/)."""
    return _lib_code(str(Path(workflow.basedir) / script))


def untestable_of(figure):
    """The claims this preset declared, before any run, that it cannot test: {claim id: why}."""
    return _untestable.get(figure, {})


def findings_of(figure):
    """The claims this preset declared findings (paper statements that do not reproduce): {claim id: evidence}."""
    return CFG["findings"].get(figure, {})


def pick(section, keys):
    """The keys (space-separated; `new=old` renames one) of a config section that a job uses, in order.
    A job gets what it uses and never the whole section: changing a plotting-only key must rerun no training.
    """
    pairs = [k.split("=", 1) if "=" in k else (k, k) for k in keys.split()]
    return {new: section[old] for new, old in pairs}


def _per_job(figure, fn):
    """fn(figure id) as a params value: now if the id has no wildcard, else per job (the id with its values)."""
    names = re.findall(r"\{(\w+)\}", figure)
    if not names:
        return fn(figure)
    return lambda wc: fn(figure.format(**{n: getattr(wc, n) for n in names}))


def _figure_rows(figure):
    """The registry rows (implreg/<paper>/registry.py) a figure id with {wildcards} stands for."""
    paper, slug = figure.split("/", 1)
    pattern = "[a-z0-9_.]+".join(re.escape(p) for p in re.split(r"\{\w+\}", slug))
    rows = _registry.figures(paper)
    return [f for f in rows if re.fullmatch(pattern, re.sub(r"\{\w+\}", "0", f.slug))]


def _figure_subcategory(figure):
    """The figure's paper number (its registry row), where the Snakemake report files its PNG."""

    def of(fid):
        try:
            return _registry.entry(fid).paper_figure
        except KeyError:  # a figure a user configured without a registry row
            return "other"

    return _per_job(figure, of)


def figure_outputs(figure, table=None):
    """A plot rule's outputs: figures/<figure>.pdf, its PNG twin in the Snakemake report (caption
    workflow/report/<plot rule without plot_>.rst, filed under the paper and its registry row's figure number),
    its claims file, and the numbers behind it (`table`) if any."""
    plot_rules = {f.rules[-1] for f in _figure_rows(figure)}
    if len(plot_rules) != 1:
        raise WorkflowError(
            f"{figure}: registry rows {sorted(plot_rules)}; expected one plot rule"
        )
    global _figure_of_rule
    # a figure not yet taken: the next rule's figure_params would take it
    if _figure_of_rule is not None:
        raise WorkflowError(
            f"{_figure_of_rule}: figure_outputs(...) without figure_params(...) in its rule"
        )
    _figure_of_rule = figure  # for this rule's figure_params
    caption = f"../report/{plot_rules.pop().removeprefix('plot_')}.rst"
    png = f"figures/{figure}.png"
    sub = _figure_subcategory(figure)
    out = {
        "pdf": f"figures/{figure}.pdf",
        "png": report(
            png, caption=caption, category=figure.split("/")[0], subcategory=sub
        ),
        "claims": f"figures/{figure}.claims.json",
    }
    return out | ({"table": table} if table else {})


def robustness_outputs(paper):
    """A robustness rule's outputs (issue 30): the rates figure (its PNG in the Snakemake report, beside the paper's
    figures), its summary, and the rates and per-instance outcomes behind it."""
    return {
        "pdf": f"figures/{paper}/robustness.pdf",
        "png": report(
            f"figures/{paper}/robustness.png",
            caption="../report/robustness.rst",
            category=paper,
            subcategory="robustness (beyond the paper)",
        ),
        "summary": f"figures/{paper}/robustness.json",
        "rates": f"results/{paper}/robustness/rates.csv",
        "outcomes": f"results/{paper}/robustness/outcomes.csv",
    }


# The figure of the plot rule being defined: figure_outputs sets it, the same rule's figure_params takes it (a rule's
# directives are evaluated in order, output before params), so a plot rule names its figure once.
_figure_of_rule = None


def figure_params(script):
    """A plot rule's params shared by every figure: the preset, the figure id (its figure_outputs', per job its
    wildcards' values), what the preset declared about its claims (untestable, findings), and the library code its
    script runs. Not functions of the job's output: Snakemake leaves such params out of its rerun check.
    """
    global _figure_of_rule
    figure, _figure_of_rule = _figure_of_rule, None
    if figure is None:
        raise WorkflowError(
            f"figure_params({script!r}): no figure_outputs(...) before it in this rule's output:"
        )
    return {
        "code": lib_code(script),
        "preset": PRESET,
        "figure": _per_job(figure, lambda fid: fid),
        "untestable": _per_job(figure, untestable_of),
        "findings": _per_job(figure, findings_of),
    }


def claims_of(figures):
    return [f.replace(".pdf", ".claims.json") for f in figures]


def png_of(figures):
    return [f.replace(".pdf", ".png") for f in figures]


wildcard_constraints:
    depth=r"\d+",
    setting=r"main|perturbed_eps[0-9.e+-]+",
    exp=r"[a-z0-9_]+",
    init=r"[0-9.e+-]+",
    dataset=r"mnist|fashion-mnist",
    variant=r"original|rand_labels|rand_images",


# Job sizes: what a scheduler (SLURM, Kubernetes, ...) is asked for per job, and what `--resources` limits
# count. Per kind of job and preset: (threads, mem_mb, runtime in minutes). Default runtimes are generous upper
# bounds from benchmarks/out/ of the default preset on a 2-core CPU (slowest train_tc 23 min, train_tf_dynamics
# up to ~5 h at 1e6 steps); `paper` sizes follow the pre-flight table (`--config preset=paper preflight=true`,
# docs/scaling.md): ~2x each job's predicted runtime at its step cap and its peak memory. To change one without
# editing, e.g.: --set-resources train_tc:runtime=2880 (or in a profile).
_JOB_SIZES = {
    "small": {"smoke": (1, 1000, 10), "default": (1, 1000, 30), "paper": (1, 2000, 60)},
}


# GPUs per torch training job: gpu=1 when `device: cuda`, and no gpu resource at all on CPU (Kubernetes'
# plugin treats any `gpu` key as a GPU request). Locally `--resources gpu=N` (profiles/gpu) caps how many such
# jobs run at once; the SLURM plugin turns gpu=1 into `sbatch --gpus=1`.
GPU_RESOURCES = {"gpu": 1} if CFG["device"] == "cuda" else {}


def job_resources(kind, gpu=False):
    """`resources:` of one job of this kind: memory in MB (SLURM: --mem), wall-clock minutes (SLURM: -t), and
    for torch training jobs (gpu=True) one GPU when `device: cuda`."""
    _, mem_mb, runtime = _JOB_SIZES[kind][PRESET]
    return {**(GPU_RESOURCES if gpu else {}), "mem_mb": mem_mb, "runtime": runtime}


def requested_mem_mb(rule, kind):
    """mem_mb a job of `rule` requests: its kind's at this preset, or what --set-resources says."""
    settings = getattr(workflow.resource_settings, "overwrite_resources", None) or {}
    over = settings.get(rule) or {}
    try:
        value = over.get("mem_mb")
        return int(getattr(value, "value", value))
    except (TypeError, ValueError, AttributeError):
        return job_resources(kind)["mem_mb"]


def compute_threads(kind):
    """Threads a job of this kind computes with in torch and BLAS (a `params:` entry: a result setting, since
    reductions round differently with another count): `compute_threads` from the config, else the job-size
    table's. Small jobs always compute with 1."""
    if kind != "small" and CFG["compute_threads"] is not None:
        return int(CFG["compute_threads"])
    return _JOB_SIZES[kind][PRESET][0]


# Small jobs keep Snakemake's default of one thread (no `threads:`); the others ask for job_threads(kind).
def job_threads(kind):
    """Threads (SLURM: --cpus-per-task) Snakemake schedules one job of this kind on: its compute threads.
    `--cores` / `--set-threads` may change this count, never the compute threads (so never a number).
    """
    return compute_threads(kind)


# The real DAG's jobs, walked at parse time (the pre-flight's table, the report's benchmark files).
include: "dag_helpers.smk"

# Preset resolution, validation and target lists shared by every paper's rules.
import os
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

from implreg import smk as _smk
from implreg.errors import ConfigError

try:
    # --configfile / --config values win over the preset's (each such case is printed as a note).
    CFG = _smk.resolve_workflow_config(config, workflow.config_settings)
except ConfigError as _err:
    raise WorkflowError(str(_err)) from None
# Run-only knobs (checkpoint interval) reach the jobs through the environment: changing them reruns nothing.
_smk.set_run_env(CFG)

PRESET = CFG["preset"]
NORMS = CFG["norms"]
DMF = NORMS["dmf"]
TC = NORMS["tc"]


def fmt_num(x):
    """Stable short text for a number in a path (0.01 -> 0.01, 1e-05 -> 1e-05)."""
    return f"{float(x):g}"


# The DMF problems: the main 2x2 setting and appendix A's perturbed ones (b22 = epsilon).
DMF_SETTINGS = {
    "main": {
        "observations": DMF["main_observations"],
        "det_sign": DMF["main_det_sign"],
    },
    **{
        f"perturbed_eps{fmt_num(eps)}": {
            "observations": [*DMF["perturbed_observations"], float(eps)],
            "det_sign": DMF["perturbed_det_sign"],
        }
        for eps in DMF["perturbed_epsilons"]
    },
}
DMF_DEPTHS = [p["depth"] for p in DMF["panels"]]
DMF_PERTURBED_DEPTHS = [p["depth"] for p in DMF["perturbed_panels"]]


def dmf_runs(setting, depth):
    """Runs of one (setting, depth) job: Fig. 1's panels, or appendix A's."""
    key = "norms.dmf.panels" if setting == "main" else "norms.dmf.perturbed_panels"
    panels = DMF["panels"] if setting == "main" else DMF["perturbed_panels"]
    runs = {p["depth"]: p["runs"] for p in panels}
    return _smk.configured(runs, depth, "depth", key, f"DMF {setting}, depth {depth}")


TC_EXPERIMENTS = {e["name"]: e for e in TC["experiments"]}


def tc_exp(name):
    """The tensor-completion experiment `name`; an unconfigured one names the configured experiments."""
    return _smk.configured(
        TC_EXPERIMENTS, name, "experiment", "norms.tc.experiments", f"figures/norms/tc_{name}.pdf"
    )


def tc_max_steps(exp):
    """Step cap of one tensor-completion figure: max_steps, or its lower step_caps entry."""
    tc_exp(exp)
    return min(TC["max_steps"], TC["step_caps"].get(exp, TC["max_steps"]))


NORMS_FIGURES = (
    expand("figures/norms/dmf_unobserved_entry_depth{depth}.pdf", depth=DMF_DEPTHS)
    + ["figures/norms/dmf_norms_rank.pdf"]
    + expand(
        "figures/norms/dmf_perturbed_unobserved_entry_depth{depth}.pdf",
        depth=DMF_PERTURBED_DEPTHS,
    )
    + expand("figures/norms/tc_{exp}.pdf", exp=list(TC_EXPERIMENTS))
)


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


TF = CFG["tf"]
TF_NAT = TF["natural"]


def data_manifest(dataset):
    """results/data/{fake|real}/<dataset>/manifest.json: smoke's fake files never sit where real ones go."""
    return _smk.data_manifest(TF_NAT["source"], dataset)


def data_files(dataset):
    """The dataset's four IDX files: inputs too, so deleting a damaged one reruns the data step."""
    return _smk.data_files(TF_NAT["source"], dataset)

TF_DYN = TF["dynamics"]
TF_FIGURES = ["figures/tf/cp_dynamics.pdf", "figures/tf/tensor_rank_natural_data.pdf"]

HTF = CFG["htf"]
HTF_DYN = HTF["dynamics"]
HTF_MODELS = ["mf", "cp", "ht"]
HTF_FIGURES = [
    "figures/htf/incremental_learning_mf_cp_ht.pdf",
    "figures/htf/ht_local_components_matricizations.pdf",
]


def htf_spec(model):
    """The architecture/target part of one model's config block (what the training job needs)."""
    drop = ("num_samples", "plot_start_iter")
    return {k: v for k, v in HTF_DYN[model].items() if k not in drop}


def htf_node_rank(node):
    """The target's HT rank at an inner node: the width of the level below it (2 modes -> level 0)."""
    return HTF_DYN["ht"]["target_ranks"][len(node).bit_length() - 2]


# Job sizes: what a scheduler (SLURM, Kubernetes, ...) is asked for per job, and what `--resources` limits
# count. Per kind of job and preset: (threads, mem_mb, runtime in minutes). Runtimes are generous upper bounds
# from benchmarks/out/ of the default preset on a 2-core CPU (slowest train_tc 23 min, train_tf_dynamics up
# to ~5 h at 1e6 steps); `paper` runs 10x the tensor-completion steps and ~25x the tf Fig. 3 work (10x epochs,
# 2.5x models). To change one without editing, e.g.: --set-resources train_tc:runtime=2880 (or in a profile).
_JOB_SIZES = {
    "small": {"smoke": (1, 1000, 10), "default": (1, 1000, 30), "paper": (1, 2000, 60)},
    "train_dmf": {
        "smoke": (1, 1000, 10),
        "default": (1, 2000, 60),
        "paper": (1, 2000, 120),
    },
    "measure_tc": {
        "smoke": (1, 1000, 10),
        "default": (1, 1000, 60),
        "paper": (1, 2000, 120),
    },
    "train_tc": {
        "smoke": (1, 1000, 15),
        "default": (1, 2000, 180),
        "paper": (2, 4000, 1440),
    },
    "train_tf_dynamics": {
        "smoke": (1, 1000, 15),
        "default": (1, 2000, 480),
        "paper": (2, 4000, 720),
    },
    "train_htf_dynamics": {
        "smoke": (1, 1000, 10),
        "default": (1, 2000, 60),
        "paper": (1, 2000, 60),
    },
    "train_tf_natural": {
        "smoke": (1, 1000, 15),
        "default": (1, 4000, 1440),
        "paper": (8, 16000, 4320),
    },
}


def job_threads(kind):
    """Threads (SLURM: --cpus-per-task) of one job of this kind; torch uses as many."""
    return _JOB_SIZES[kind][PRESET][0]


def job_mem_mb(kind):
    """Memory limit in MB (SLURM: --mem)."""
    return _JOB_SIZES[kind][PRESET][1]


def job_runtime(kind):
    """Wall-clock limit in minutes (SLURM: -t)."""
    return _JOB_SIZES[kind][PRESET][2]


# GPUs per torch training job: gpu=1 when `device: cuda`, and no gpu resource at all on CPU (Kubernetes'
# plugin treats any `gpu` key as a GPU request). Locally `--resources gpu=N` (profiles/gpu) caps how many such
# jobs run at once; the SLURM plugin turns gpu=1 into `sbatch --gpus=1`.
GPU_RESOURCES = {"gpu": 1} if CFG["device"] == "cuda" else {}


# --- htf locality experiments (htf_locality.smk): config, paths, per-run params.

HTF_LOC = CFG["htf"]["locality"]
LOC_TASKS = {"is_same": HTF_LOC["is_same"], "pathfinder": HTF_LOC["pathfinder"]}
LOC_SETTINGS = {
    "is_same": HTF_LOC["is_same"]["distances"],
    "pathfinder": HTF_LOC["pathfinder"]["path_lengths"],
}
# A task's own `seeds` list, if given, replaces the shared one (its first seed runs the calibration).
LOC_SEEDS = {t: LOC_TASKS[t].get("seeds") or HTF_LOC["seeds"] for t in LOC_TASKS}
LOC_FIGURE = {"is_same": "locality_is_same_class", "pathfinder": "locality_pathfinder"}
LOC_TASK_OF = {slug: task for task, slug in LOC_FIGURE.items()}
HTF_LOCALITY_FIGURES = [f"figures/htf/{slug}.pdf" for slug in LOC_FIGURE.values()]
LOC_ROOT = "results/htf/locality"

# Job sizes of the locality rules (threads, mem_mb, runtime minutes) per preset. Default runtimes: the slowest default run (Pathfinder with IGC, 1890 steps at
# ~1.1 CPU-s) takes ~35 min on one idle core; paper runs need a GPU (~10 min each on an H100, spec s. 7).
_JOB_SIZES["train_locality"] = {
    "smoke": (1, 1000, 10),
    "default": (1, 3000, 120),
    "paper": (4, 24000, 2880),
}
_JOB_SIZES["make_pathfinder"] = {
    "smoke": (1, 1000, 10),
    "default": (1, 2000, 30),
    "paper": (4, 8000, 240),
}


def loc_is_same_inputs():
    """The dataset manifest of a substitute Is-Same-Class source (none for CIFAR-10, read from its own dir)."""
    source = HTF_LOC["is_same"]["source"]
    return (
        {}
        if source == "cifar10"
        else {"manifest": data_manifest(source), "files": data_files(source)}
    )


def loc_metrics(task, setting, lam, seed):
    return f"{LOC_ROOT}/{task}/s{setting}/lam{fmt_num(lam)}/seed{seed}/metrics.json"


def loc_calibration_runs(task):
    """The two baseline runs the calibration reads: shortest and longest setting, λ = 0, first seed."""
    s = LOC_SETTINGS[task]
    seed = LOC_SEEDS[task][0]
    return {
        "short": loc_metrics(task, min(s), 0, seed),
        "long": loc_metrics(task, max(s), 0, seed),
    }


def loc_train_inputs(wc):
    """The task's data, plus the calibration result unless this run is one of the calibration runs."""
    if wc.task == "is_same":
        data = f"{LOC_ROOT}/is_same/data.npz"
    else:
        data = f"{LOC_ROOT}/pathfinder/L{wc.setting}/data.npz"
    out = {"data": data}
    this = loc_metrics(wc.task, wc.setting, float(wc.lam), wc.seed)
    if this not in loc_calibration_runs(wc.task).values():
        out["calibration"] = f"{LOC_ROOT}/{wc.task}/calibration.json"
    return out


def loc_train_params(wc):
    """Model and LocalityTrainConfig fields of one run (everything but lam, seed and threads)."""
    task = LOC_TASKS[wc.task]
    common = HTF_LOC["train"]
    train = {
        **{
            k: common[k]
            for k in (
                "batch_size",
                "lr",
                "momentum",
                "weight_decay",
                "stop_on_perfect_train_acc",
                "stop_patience",
                "eval_every",
                "eval_batch_size",
                "reg_bn_mode",
                "reg_eps",
            )
        },
        "epochs": task["epochs"],
        "device": CFG["device"],
    }
    if task["reg_batch_size"]:
        # Only when set: results made before this knob existed keep their params (no spurious rerun).
        train["reg_batch_size"] = task["reg_batch_size"]
    if wc.task == "is_same":
        train["reg_patches"] = "preset"
    else:
        train |= {
            "reg_patches": "random",
            "reg_patch_size": task["reg_patch_size"],
            "reg_distance": task["reg_distance"],
            "reg_adjacent_only": task["reg_adjacent_only"],
        }
    return train


def loc_model_params(wc):
    m = HTF_LOC["model"]
    return {
        "arch": m["arch"],
        "width": m["width"],
        "dropout": m["dropout"],
        "in_channels": 3 if wc.task == "is_same" else 1,
        # The paper's Pathfinder conv1 is a fresh 1-channel conv with PyTorch's default init.
        "stem_init": "kaiming" if wc.task == "is_same" else "default",
    }


ALL_FIGURES = NORMS_FIGURES + TF_FIGURES + HTF_FIGURES + HTF_LOCALITY_FIGURES

try:  # a figure for an unconfigured value: stop now, listing the configured ones
    _smk.check_figure_targets(_smk.requested_targets(workflow), ALL_FIGURES)
except ConfigError as _err:
    raise WorkflowError(str(_err)) from None

# Helpers of htf_locality.smk: config sections, paths, per-run params, target lists and job sizes.


# Config, paths and per-run params.

HTF_LOC = CFG["htf"]["locality"]
LOC_TASKS = {"is_same": HTF_LOC["is_same"], "pathfinder": HTF_LOC["pathfinder"]}
LOC_SETTINGS = {
    "is_same": HTF_LOC["is_same"]["distances"],
    "pathfinder": HTF_LOC["pathfinder"]["path_lengths"],
}
# A task's own `seeds` list, if given, replaces the shared one (its first seed runs the calibration).
LOC_SEEDS = {t: LOC_TASKS[t].get("seeds") or HTF_LOC["seeds"] for t in LOC_TASKS}
LOC_FIGURE = {"is_same": "locality_is_same_class", "pathfinder": "locality_pathfinder"}
LOC_ROOT = "results/htf/locality"
LOC_ROOT_RESNET34 = "results/htf/locality_resnet34"
# Grids of runs: the main text's (model.arch) and, with resnet34_appendix, the appendix's ResNet34 one; each has
# its own runs, calibration and figures (slug + suffix), and shares the data sets under LOC_ROOT.
LOC_GRIDS = {
    "main": {
        "root": LOC_ROOT,
        "arch": HTF_LOC["model"]["arch"],
        "rule": "train_locality",
        "suffix": "",
    }
}
if HTF_LOC["resnet34_appendix"]:
    LOC_GRIDS["resnet34"] = {
        "root": LOC_ROOT_RESNET34,
        "arch": "resnet34",
        "rule": "train_locality_resnet34",
        "suffix": "_resnet34",
    }
# Figure slug -> (grid, task).
LOC_SLUGS = {
    LOC_FIGURE[task] + g["suffix"]: (grid, task)
    for grid, g in LOC_GRIDS.items()
    for task in LOC_TASKS
}


def loc_task_grid(wc):
    """(task, grid) of plot_locality's figure."""
    grid, task = LOC_SLUGS[f"locality_{wc.kind}"]
    return task, grid


HTF_LOCALITY_FIGURES = [f"figures/htf/{slug}.pdf" for slug in LOC_SLUGS]


# Job sizes of the locality rules (threads, mem_mb, runtime minutes) per preset. Default runtimes: the slowest default run (Pathfinder with IGC, 1890 steps at
# ~1.1 CPU-s) takes ~35 min on one idle core; paper runs need a GPU (~10 min each on an H100, spec s. 7).
_JOB_SIZES["train_locality"] = {
    "smoke": (1, 1000, 10),
    "default": (1, 3000, 120),
    "paper": (4, 24000, 2880),
}
_JOB_SIZES["train_locality_resnet34"] = _JOB_SIZES["train_locality"]
# Paper: the pre-flight predicts ~0.1 CPU-h per path length on one worker; the two 10^4 x 150 x 150 uint8
# splits (0.45 GB, twice while concatenated) are outside its probe, hence 2 GB.
_JOB_SIZES["make_pathfinder"] = {
    "smoke": (1, 1000, 10),
    "default": (1, 2000, 30),
    "paper": (4, 2000, 30),
}


def loc_is_same_inputs():
    """The dataset manifest of a substitute Is-Same-Class source (none for CIFAR-10, read from its own dir)."""
    source = HTF_LOC["is_same"]["source"]
    return (
        {}
        if source == "cifar10"
        else {"manifest": data_manifest(source), "files": data_files(source)}
    )


def loc_metrics(task, setting, lam, seed, grid="main"):
    root = LOC_GRIDS[grid]["root"]
    return f"{root}/{task}/s{setting}/lam{fmt_num(lam)}/seed{seed}/metrics.json"


def loc_grid_metrics(slug):
    """Every run behind one figure."""
    grid, task = LOC_SLUGS[slug]
    return [
        loc_metrics(task, s, lam, seed, grid)
        for s in LOC_SETTINGS[task]
        for lam in LOC_TASKS[task]["lams"]
        for seed in LOC_SEEDS[task]
    ]


def loc_calibration(task, grid="main"):
    return f"{LOC_GRIDS[grid]['root']}/{task}/calibration.json"


def loc_calibration_runs(task, grid="main"):
    """The two baseline runs the calibration reads: shortest and longest setting, λ = 0, first seed."""
    s = LOC_SETTINGS[task]
    seed = LOC_SEEDS[task][0]
    return {
        "short": loc_metrics(task, min(s), 0, seed, grid),
        "long": loc_metrics(task, max(s), 0, seed, grid),
    }


def loc_train_inputs(wc, grid="main"):
    """The task's data, plus the calibration result unless this run is one of the calibration runs."""
    if wc.task == "is_same":
        data = f"{LOC_ROOT}/is_same/data.npz"
    else:
        data = f"{LOC_ROOT}/pathfinder/L{wc.setting}/data.npz"
    out = {"data": data}
    this = loc_metrics(wc.task, wc.setting, float(wc.lam), wc.seed, grid)
    if this not in loc_calibration_runs(wc.task, grid).values():
        out["calibration"] = loc_calibration(wc.task, grid)
    return out


def loc_train_inputs_resnet34(wc):
    return loc_train_inputs(wc, "resnet34")


LOC_TRAIN = (
    "batch_size lr momentum weight_decay stop_on_perfect_train_acc stop_patience"
    " eval_every eval_batch_size reg_bn_mode reg_eps"
)


def loc_train_params(wc):
    """Model and LocalityTrainConfig fields of one run (everything but lam, seed and threads)."""
    task = LOC_TASKS[wc.task]
    train = pick(HTF_LOC["train"], LOC_TRAIN) | {
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


def loc_model_params(wc, grid="main"):
    m = HTF_LOC["model"]
    return {
        "arch": LOC_GRIDS[grid]["arch"],
        "width": m["width"],
        "dropout": m["dropout"],
        "in_channels": 3 if wc.task == "is_same" else 1,
        # The paper's Pathfinder conv1 is a fresh 1-channel conv with PyTorch's default init.
        "stem_init": "kaiming" if wc.task == "is_same" else "default",
    }


def loc_model_params_resnet34(wc):
    return loc_model_params(wc, "resnet34")


# Sizes the machine cannot hold stop here, before any job (the job would fail allocating, hours in).
from implreg.htf.locality.memory import memory_lower_bound as _loc_memory
from implreg.htf.locality.pathfinder import geometry_from as _pf_geometry


def _loc_shape(task):
    """(channels, height, width, images held as uint8) of one task's training inputs."""
    t = LOC_TASKS[task]
    if task == "is_same":  # canvases are drawn per batch from small source images
        return 3, t["canvas_height"], t["canvas_width"], 0
    side = _pf_geometry(t["geometry"]).size
    return 1, side, side, t["n_train"] + t["n_test"]


try:
    for _grid in LOC_GRIDS.values():
        for _task in LOC_TASKS:
            _c, _h, _w, _n = _loc_shape(_task)
            _need = _loc_memory(
                HTF_LOC["train"]["batch_size"],
                _c,
                _h,
                _w,
                HTF_LOC["model"]["width"],
                _n,
            )
            _smk.check_memory(
                _grid["rule"],
                (  # the knob to turn: the data set's size, or what one batch holds
                    f"htf.locality.{_task}.n_train / n_test"
                    if "images" in _need[1]
                    else "htf.locality.train.batch_size (or model.width, the inputs' size)"
                ),
                f"batch {HTF_LOC['train']['batch_size']}, {_c}x{_h}x{_w} inputs, width {HTF_LOC['model']['width']}",
                _need,
                requested_mem_mb(_grid["rule"], _grid["rule"]),
                PRESET,
            )
except ConfigError as _err:
    raise WorkflowError(str(_err)) from None

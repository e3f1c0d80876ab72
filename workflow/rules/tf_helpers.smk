# Helpers of tf.smk: config sections, paths, per-run params, target lists and job sizes.


TF = CFG["tf"]
TF_NAT = TF["natural"]
TF_DYN = TF["dynamics"]
# The training keys of each section (pick): the rest of it is the plots' (plot_min_loss, claim_*).
TF_NAT_TRAIN = (
    "ranks classes=positive_labels epochs batch_size lr init_mean init_std"
    " pos_value=positive_value neg_value=negative_value eval_every seed dtype"
)
TF_DYN_TRAIN = (
    "R=components loss huber_beta optimizer lr beta eps max_steps check_every"
    " stop_loss stop_patience log_every top_k"
)


def tf_dynamics_data(dseed, num_samples=None):
    """make_dataset's arguments for one instance (data seed) of Fig. 3; `num_samples` for the robustness sweep."""
    return {
        "shape": TF_DYN["shape"],
        "rank": TF_DYN["target_rank"],
        "num_samples": (
            TF_DYN["num_samples"] if num_samples is None else int(num_samples)
        ),
        "seed": int(dseed),
        "task": TF_DYN["task"],
        "sensing_rank": TF_DYN["sensing_rank"],
        "super_symmetric": TF_DYN["super_symmetric"],
    }


TF_FIGURES = ["figures/tf/cp_dynamics.pdf", "figures/tf/tensor_rank_natural_data.pdf"]
TF_ROB = TF["robustness"]
TF_ROBUSTNESS = ["figures/tf/robustness.pdf"]


# Job sizes of this paper's heavy rules (see _JOB_SIZES in common.smk). Paper: ~2x the pre-flight's
# single-thread prediction and peak memory (docs/scaling.md): Fig. 3 3.5 CPU-h at the 1e6-step cap, 0.3 GB;
# Fig. 4 13.1 CPU-h per job (10^4 epochs of 150 models), 0.7 GB.
_JOB_SIZES["train_tf_dynamics"] = {
    "smoke": (1, 1000, 15),
    "default": (1, 2000, 480),
    "paper": (2, 1000, 420),
}
_JOB_SIZES["train_tf_natural"] = {
    "smoke": (1, 1000, 15),
    "default": (1, 4000, 1440),
    "paper": (8, 2000, 1620),
}


# Sizes the machine cannot hold stop here, before any job (the job would fail allocating, hours in).
from implreg.tf.dynamics import memory_lower_bound as _tf_memory

try:
    _smk.check_memory(
        "train_tf_dynamics",
        "tf.dynamics.shape",
        f"shape {TF_DYN['shape']}, components {TF_DYN['components'] or 'null'}",
        _tf_memory(
            TF_DYN["shape"],
            TF_DYN["components"],
            len(TF_DYN["init_stds"]),
            TF_DYN["num_samples"],
            TF_DYN["task"],
            4 if TF_DYN["dtype"] == "float32" else 8,
        ),
        requested_mem_mb("train_tf_dynamics", "train_tf_dynamics"),
        PRESET,
    )
except ConfigError as _err:
    raise WorkflowError(str(_err)) from None

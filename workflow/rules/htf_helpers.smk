# Helpers of htf.smk: config sections, paths, per-run params, target lists and job sizes.


HTF = CFG["htf"]
HTF_DYN = HTF["dynamics"]
HTF_MODELS = ["mf", "cp", "ht"]
HTF_FIGURES = [
    "figures/htf/incremental_learning_mf_cp_ht.pdf",
    "figures/htf/ht_local_components_matricizations.pdf",
]

HTF_ROB = HTF["robustness"]
HTF_ROBUSTNESS = ["figures/htf/robustness.pdf"]


def htf_histories(model):
    """One model's training histories, one per instance of htf.dynamics.data_seeds (the figures draw the first)."""
    return [
        f"results/htf/dynamics/data{s}/{model}/history.npz"
        for s in HTF_DYN["data_seeds"]
    ]


def htf_robustness_seeds(model):
    """One model's robustness instances: the first htf.robustness.instances.<model> of htf.robustness.data_seeds."""
    return HTF_ROB["data_seeds"][: HTF_ROB["instances"][model]]


def htf_robustness_histories(model):
    """One model's training histories of the robustness target, one per instance (htf_robustness_seeds)."""
    return [
        f"results/htf/robustness/data{s}/{model}/history.npz"
        for s in htf_robustness_seeds(model)
    ]


def htf_spec(model):
    """The architecture/target part of one model's config block (what the training job needs)."""
    drop = ("num_samples", "plot_start_iter")
    return {k: v for k, v in HTF_DYN[model].items() if k not in drop}


# The training keys of htf.dynamics (pick); the rest is the plots' (claim_*, plot_start_iter, appendix_node).
HTF_TRAIN = (
    "init_seed optimizer lr beta eps max_steps check_every stop_loss stop_patience"
    " log_every top_k"
)


def htf_train(model, dseed):
    """train_htf_dynamics's `train` of one model and instance (data seed)."""
    mats = htf_logged_matricizations() if model == "ht" else []
    return {
        "num_samples": HTF_DYN[model]["num_samples"],
        "fro_norm": HTF_DYN["target_norm"],
        "data_seed": int(dseed),
        **pick(HTF_DYN, HTF_TRAIN),
        "matricizations": mats,
    }


def htf_logged_matricizations():
    """Matricizations whose singular values the HT runs log: `matricizations` (the appendix's panel and rank
    claim), then the appendix node's children's (its gauge-invariant follow-up claim, docs/claims.md).
    """
    node = HTF_DYN["appendix_node"]
    kids = [node[: len(node) // 2], node[len(node) // 2 :]]
    mats = [list(m) for m in HTF_DYN["matricizations"]]
    return mats + [k for k in kids if sorted(k) not in [sorted(m) for m in mats]]


def htf_node_rank(node):
    """The target's HT rank at an inner node: the width of the level below it (2 modes -> level 0)."""
    return HTF_DYN["ht"]["target_ranks"][len(node).bit_length() - 2]


# Job sizes of this paper's heavy rules (see _JOB_SIZES in common.smk). Paper: from the pre-flight
# (docs/scaling.md): HT 1.5 CPU-h at the 5e5-step cap, peak 0.3 GB; requests are ~2x (slower CPUs).
_JOB_SIZES["train_htf_dynamics"] = {
    "smoke": (1, 1000, 10),
    "default": (1, 2000, 60),
    "paper": (1, 1000, 180),
}


# Sizes the machine cannot hold stop here, before any job (the job would fail allocating, hours in).
from implreg.htf.dynamics import memory_lower_bound as _htf_memory

try:
    for _model in HTF_MODELS:
        _smk.check_memory(
            "train_htf_dynamics",
            f"htf.dynamics.{_model}",
            ", ".join(
                f"{k} {v}" for k, v in htf_spec(_model).items() if k != "init_std"
            ),
            _htf_memory(
                _model, htf_spec(_model), 4 if HTF_DYN["dtype"] == "float32" else 8
            ),
            requested_mem_mb("train_htf_dynamics", "train_htf_dynamics"),
            PRESET,
        )
except ConfigError as _err:
    raise WorkflowError(str(_err)) from None

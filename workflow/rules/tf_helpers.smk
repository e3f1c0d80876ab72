# Helpers of tf.smk: config sections, paths, per-run params, target lists and job sizes.


TF = CFG["tf"]
TF_NAT = TF["natural"]
TF_DYN = TF["dynamics"]
TF_FIGURES = ["figures/tf/cp_dynamics.pdf", "figures/tf/tensor_rank_natural_data.pdf"]


# Job sizes of this paper's heavy rules (see _JOB_SIZES in common.smk).
_JOB_SIZES["train_tf_dynamics"] = {
    "smoke": (1, 1000, 15),
    "default": (1, 2000, 480),
    "paper": (2, 4000, 720),
}
_JOB_SIZES["train_tf_natural"] = {
    "smoke": (1, 1000, 15),
    "default": (1, 4000, 1440),
    "paper": (8, 16000, 4320),
}

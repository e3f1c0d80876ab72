"""The htf paper's heavy rules and how the pre-flight probes them (format: implreg.preflight.probes.Probe)."""

from implreg.preflight.probes import Probe

PROBES = (
    # the instances (data seeds) share the model's shape
    Probe("train_htf_dynamics", "implreg.htf.preflight.probe_dynamics", 51, shared=("dseed",)),
    Probe("train_htf_robustness", "implreg.htf.preflight.probe_dynamics", 51, shared=("dseed",)),
    Probe("make_pathfinder", "implreg.htf.locality.preflight.probe_pathfinder", 6),  # images, after 1 warm-up
    # the setting, the seed and λ > 0's value do not change the work per step
    *(
        Probe(rule, "implreg.htf.locality.preflight.probe_train", 3, shared=("setting", "seed", "lam>0"))
        for rule in ("train_locality", "train_locality_resnet34")
    ),
)

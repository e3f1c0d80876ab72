"""The htf paper's figures (format: implreg.registry.Figure)."""

from implreg.registry import Figure

_DYN = dict(
    script="scripts/htf/plot_htf_dynamics.py",
    training="implreg.htf.dynamics.train_htf_dynamics",
    instances="htf.dynamics.data_seeds, htf.dynamics.init_seed",
    benchmarks=("train_htf_dynamics",),
)
_LOC = dict(
    script="scripts/htf/plot_locality.py",
    training="implreg.htf.locality.train.train_run",
    claims="implreg.htf.locality.claims.locality_claims",
)
# A task's data seed and its training seeds: its own list where set, else the shared one (htf.locality).
_IS_SAME = dict(instances="htf.locality.is_same.data_seed, htf.locality.is_same.seeds | htf.locality.seeds")
_PATHFINDER = dict(instances="htf.locality.pathfinder.data_seed, htf.locality.pathfinder.seeds | htf.locality.seeds")

FIGURES = (
    Figure(
        slug="incremental_learning_mf_cp_ht",
        paper_figure="Fig. 1 (dynamics)",
        shows="incremental learning in matrix, CP and hierarchical tensor factorization",
        rules=("train_htf_dynamics", "plot_htf_dynamics"),
        claims="implreg.htf.dynamics_claims.dynamics_claims",
        **_DYN,
    ),
    Figure(
        slug="ht_local_components_matricizations",
        paper_figure="appendix (HT dynamics)",
        shows="HT local components of the root and of node {1,2}, and matricization singular values",
        rules=("train_htf_dynamics", "plot_htf_appendix"),
        claims="implreg.htf.dynamics_claims.appendix_claims",
        **{**_DYN, "script": "scripts/htf/plot_htf_appendix.py"},
    ),
    Figure(
        slug="locality_is_same_class",
        paper_figure="locality figure (Is-Same-Class)",
        shows="test accuracy against the distance between the two images, per regularization weight",
        rules=("make_is_same_class", "train_locality", "calibrate_locality", "plot_locality"),
        benchmarks=("train_locality",),
        **_LOC,
        **_IS_SAME,
    ),
    Figure(
        slug="locality_pathfinder",
        paper_figure="locality figure (Pathfinder)",
        shows="test accuracy against the path length, per regularization weight",
        rules=("make_pathfinder", "train_locality", "calibrate_locality", "plot_locality"),
        benchmarks=("make_pathfinder", "train_locality"),
        **_LOC,
        **_PATHFINDER,
    ),
    Figure(
        slug="locality_is_same_class_resnet34",
        paper_figure="appendix (ResNet34 locality)",
        shows="the Is-Same-Class locality figure with ResNet34 (paper and smoke presets)",
        rules=("make_is_same_class", "train_locality_resnet34", "calibrate_locality_resnet34", "plot_locality"),
        benchmarks=("train_locality_resnet34",),
        **_LOC,
        **_IS_SAME,
    ),
    Figure(
        slug="locality_pathfinder_resnet34",
        paper_figure="appendix (ResNet34 locality)",
        shows="the Pathfinder locality figure with ResNet34 (paper and smoke presets)",
        rules=("make_pathfinder", "train_locality_resnet34", "calibrate_locality_resnet34", "plot_locality"),
        benchmarks=("make_pathfinder", "train_locality_resnet34"),
        **_LOC,
        **_PATHFINDER,
    ),
)

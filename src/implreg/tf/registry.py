"""The tf paper's figures (format: implreg.registry.Figure). Numbering: docs/tf.md."""

from implreg.registry import Figure

FIGURES = (
    Figure(
        slug="cp_dynamics",
        paper_figure="Fig. 3",
        shows="incremental learning of CP components, three init scales, with the reconstruction error",
        rules=("train_tf_dynamics", "plot_tf_dynamics"),
        script="scripts/tf/plot_tf_dynamics.py",
        training="implreg.tf.dynamics.train_dynamics",
        claims="implreg.tf.dynamics_claims.dynamics_claims",
        instances="tf.dynamics.data_seeds, tf.dynamics.init_seeds",
        benchmarks=("train_tf_dynamics",),
    ),
    Figure(
        slug="tensor_rank_natural_data",
        paper_figure="Fig. 4",
        shows="tensor rank of MNIST and Fashion-MNIST one-vs-all data (original, random labels, random images)",
        rules=("fetch_dataset", "train_tf_natural", "plot_tf_natural"),
        script="scripts/tf/plot_tf_natural.py",
        training="implreg.tf.natural.train_joint",
        claims="implreg.tf.natural_claims.natural_claims",
        instances="tf.natural.seed",
        benchmarks=("train_tf_natural",),
    ),
)
